// Cold start of the bundled CLI as a ratio to `node -e 0`, measured in the same run, interleaved,
// median of N runs (default 15). Usage: node bench/cold-start.mjs [--runs N]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { median } from "./lib/stats.mjs";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 15;
const repo = path.resolve(import.meta.dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-bench-"));
const env = { PATH: process.env.PATH, HOME: dir, SPUFF_CONFIG_DIR: dir };

const cases = [
  { name: "node -e 0 (baseline)", args: ["-e", "0"] },
  { name: "spuff --version", args: [path.join(repo, "bin/spuff.cjs"), "--version"] },
  { name: "spuff list --json (empty state)", args: [path.join(repo, "bin/spuff.cjs"), "list", "--json"] },
];

function once(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

// Warm-up (page cache, and creates the empty state.db so `list` measures an existing empty DB).
for (const c of cases) for (let i = 0; i < 3; i++) once(c.args);
const times = cases.map(() => []);
for (let i = 0; i < runs; i++) {
  cases.forEach((c, k) => {
    times[k].push(once(c.args));
  });
}
fs.rmSync(dir, { recursive: true, force: true });

const base = median(times[0]);
console.log(
  `Cold start, median of ${runs} interleaved runs (node ${process.version}, ${os.cpus().length} cores)\n`,
);
console.log("| command | median ms | ratio to node -e 0 | target |");
console.log("|---|---|---|---|");
cases.forEach((c, k) => {
  const m = median(times[k]);
  console.log(`| ${c.name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)}× | ${k === 0 ? "-" : "≤ 1.6×"} |`);
});
