// What the deadline reaper costs a cold start. The committed tree (HEAD) is built twice into a
// temporary folder: as is ("on"), and with the after-command hook removed from src/main.ts
// ("off"); both run interleaved with `node -e 0` as the baseline, median of N runs. Then, in fresh
// processes, the hook's own check (store.hasExpired: one indexed query) is timed directly.
// Usage: node bench/reaper-cost.mjs [--runs N]
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { median } from "./lib/stats.mjs";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 31;
const repo = path.resolve(import.meta.dirname, "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-reaper-bench-"));
const HOOK = "    await reapAfterCommand(deps);\n";

for (const v of ["on", "off"]) {
  const dir = path.join(work, v);
  fs.mkdirSync(dir);
  execFileSync("sh", ["-c", `git -C "${repo}" archive HEAD | tar -x -C "${dir}"`]);
  fs.symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"));
  if (v === "off") {
    const main = path.join(dir, "src/main.ts");
    const src = fs.readFileSync(main, "utf8");
    if (!src.includes(HOOK)) throw new Error("the reaper hook line is not in src/main.ts");
    fs.writeFileSync(main, src.replace(HOOK, ""));
  }
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: dir, stdio: "ignore" });
}

const bin = (v) => path.join(work, v, "bin/spuff.cjs");
const envOf = (dir) => ({ PATH: process.env.PATH, HOME: dir, SPUFF_CONFIG_DIR: dir });
const empty = fs.mkdtempSync(path.join(work, "empty-"));
const full = fs.mkdtempSync(path.join(work, "full-"));
for (const d of [empty, full]) spawnSync(process.execPath, [bin("on"), "list", "--json"], { env: envOf(d) });
// 20 records, none past its deadline: the common case the check must not slow down.
const Database = createRequire(path.join(repo, "package.json"))("better-sqlite3");
const db = new Database(path.join(full, "state.db"));
const ins = db.prepare(`INSERT INTO instances (id, name, provider, provider_id, region, size, status, tags,
  created_at, updated_at, deadline_at) VALUES (?, ?, 'digitalocean', ?, 'fra1', 's-1', 'ready', '{}', ?, ?, ?)`);
const now = new Date().toISOString();
const later = new Date(Date.now() + 86_400_000).toISOString();
for (let i = 0; i < 20; i++) ins.run(`id${i}`, `box-${i}`, String(1000 + i), now, now, later);
db.close();

const cases = [
  { name: "node -e 0 (baseline)", args: ["-e", "0"], env: envOf(empty) },
  ...["off", "on"].flatMap((v) => [
    { name: `[${v}] spuff --version`, args: [bin(v), "--version"], env: envOf(empty) },
    { name: `[${v}] spuff list --json (empty state)`, args: [bin(v), "list", "--json"], env: envOf(empty) },
    {
      name: `[${v}] spuff list --json (20 records, none due)`,
      args: [bin(v), "list", "--json"],
      env: envOf(full),
    },
  ]),
];
const once = (c) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.args, { env: c.env, stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`${c.name}: exit ${r.status} ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
for (const c of cases) for (let i = 0; i < 3; i++) once(c);
const times = cases.map(() => []);
for (let i = 0; i < runs; i++) {
  for (const [k, c] of cases.entries()) times[k].push(once(c));
}
const base = median(times[0]);

// The check itself, in fresh processes, as `list` runs it: state opened and read, then hasExpired.
const probe = path.join(work, "probe.cjs");
fs.writeFileSync(
  probe,
  `const { openInstanceStore } = require(${JSON.stringify(path.join(work, "on/dist/cli/state/open.cjs"))});
const s = openInstanceStore(process.argv[2], Date.now); s.list();
const t0 = process.hrtime.bigint(); s.hasExpired(new Date().toISOString());
const us = Number(process.hrtime.bigint() - t0) / 1e3; s.close();
process.stdout.write(String(us));`,
);
const checkUs = [];
for (let i = 0; i < runs; i++) {
  checkUs.push(
    Number(execFileSync(process.execPath, [probe, path.join(full, "state.db")], { encoding: "utf8" })),
  );
}
fs.rmSync(work, { recursive: true, force: true });

console.log(
  `Reaper cost, median of ${runs} interleaved runs (node ${process.version}, ${os.cpus().length} cores)\n`,
);
console.log("| command | median ms | ratio to node -e 0 |\n|---|---|---|");
for (const [k, c] of cases.entries()) {
  console.log(`| ${c.name} | ${median(times[k]).toFixed(1)} | ${(median(times[k]) / base).toFixed(2)}× |`);
}
console.log(
  `\nhasExpired() in a fresh process (20 records): median ${median(checkUs).toFixed(0)} µs = ${((median(checkUs) / 1000 / base) * 100).toFixed(1)} % of node -e 0`,
);
