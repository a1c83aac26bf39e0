// Cold start of two builds side by side, interleaved in one run, so host load hits both alike.
// Reports wall time and CPU time (user+sys of the spuff process, from bash's `times`; CPU time
// moves much less with other load on the host than wall time does).
// Usage: node bench/cold-start-ab.mjs OTHER_REPO [--runs N]
//   OTHER_REPO: a built copy of another commit (bin/, dist/, package.json, node_modules), e.g.
//   git worktree add /tmp/old <commit> && (cd /tmp/old && ln -s "$PWD/node_modules" . && npm run build)
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { median } from "./lib/stats.mjs";

const other = path.resolve(process.argv[2] ?? "");
if (!fs.existsSync(path.join(other, "bin/spuff.cjs"))) throw new Error(`no built spuff in ${other}`);
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 31;
const here = path.resolve(import.meta.dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-bench-"));
const env = { PATH: process.env.PATH, HOME: dir, SPUFF_CONFIG_DIR: dir };

const commands = [
  ["list", "--json"],
  ["ssh", "--help"],
];
const cases = [{ name: "node -e 0", args: ["-e", "0"] }];
for (const c of commands) {
  cases.push({ name: `other: spuff ${c.join(" ")}`, args: [path.join(other, "bin/spuff.cjs"), ...c] });
  cases.push({ name: `this: spuff ${c.join(" ")}`, args: [path.join(here, "bin/spuff.cjs"), ...c] });
}

const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;
function once(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    "bash",
    ["-c", `${[process.execPath, ...args].map(quote).join(" ")} >/dev/null; times`],
    {
      env,
      encoding: "utf8",
    },
  );
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = r.stdout
    .trim()
    .split("\n")[1]
    ?.match(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/);
  if (r.status !== 0 || !m) throw new Error(`${args.join(" ")} failed: ${r.stderr}`);
  return { wall, cpu: (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000 };
}

for (const c of cases) for (let i = 0; i < 3; i++) once(c.args);
const times = cases.map(() => []);
for (let i = 0; i < runs; i++) {
  cases.forEach((c, k) => {
    times[k].push(once(c.args));
  });
}
fs.rmSync(dir, { recursive: true, force: true });

const base = median(times[0].map((t) => t.wall));
console.log(
  `A/B cold start, median of ${runs} interleaved runs (node ${process.version}, load ${os.loadavg()[0].toFixed(1)})\n`,
);
console.log("| command | wall ms | wall ÷ node -e 0 | CPU ms |");
console.log("|---|---|---|---|");
cases.forEach((c, k) => {
  const wall = median(times[k].map((t) => t.wall));
  const cpu = median(times[k].map((t) => t.cpu));
  console.log(`| ${c.name} | ${wall.toFixed(1)} | ${(wall / base).toFixed(2)}× | ${cpu.toFixed(0)} |`);
});
