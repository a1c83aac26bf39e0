// Time to a ready environment on the local provider (nspawn), side by side in one run:
//   cold          `up` of a project (bundles node + shell-tools, three packages, one prebuild step)
//                 installing everything (`--image debian-12`, so no prebuild is used)
//   from prebuild the same `up` booting the project's prebuild (made once here by `spuff prebuild`)
//   bare          `up` with no spuff.yaml and no bundles
// Each figure is the wall time of `spuff up NAME --no-connect --json` until it exits: the setup
// runs in the foreground, so at exit every bundle, package and step is done. Rounds interleave the
// three (cold only in the first --cold-runs rounds: minutes each); medians and ratios at the end.
//   node bench/prebuild.mjs [--runs 3] [--cold-runs 1]
// Needs root, `npm run build`, the Debian image in SPUFF_DATA_DIR or .cache/spuff-data, and
// Debian's mirror reachable from the machines (as for any local `up` that installs packages).
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { median } from "./lib/stats.mjs";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "3" }, "cold-runs": { type: "string", default: "1" } },
});
const runs = Number(values.runs);
const coldRuns = Math.min(runs, Number(values["cold-runs"]));
const repo = path.resolve(import.meta.dirname, "..");
const bin = path.join(repo, "bin/spuff.cjs");
const shared = process.env.SPUFF_DATA_DIR || path.join(repo, ".cache/spuff-data");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-bench-prebuild-"));
fs.symlinkSync(path.join(shared, "images"), path.join(dir, "images"));
const env = { ...process.env, SPUFF_DATA_DIR: dir, SPUFF_CONFIG_DIR: path.join(dir, "cfg"), HOME: dir };
const key = path.join(dir, "id");
execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);

/** Runs spuff; returns wall ms. Bounded at 30 min; a failure stops the benchmark. */
function spuff(args, cwd = dir) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, env, encoding: "utf8", timeout: 1_800_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`spuff ${args.join(" ")} exited ${r.status ?? r.signal}:\n${r.stderr}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

const project = path.join(dir, "project");
const bare = path.join(dir, "bare");
fs.mkdirSync(project);
fs.mkdirSync(bare);
fs.writeFileSync(
  path.join(project, "spuff.yaml"),
  [
    "name: bench-pb",
    "bundles: [node, shell-tools]",
    "packages: [tree, less, file]",
    "prebuild:",
    '  - echo "warmed" > warm.txt',
    "",
  ].join("\n"),
);
const made = [];
const times = { cold: [], prebuild: [], bare: [] };
let prebuildMs;
try {
  spuff(["init", "--defaults", "--provider", "local", "--ssh-key", key]);
  spuff(["trust", project]);
  const up = (name, cwd, extra = []) => {
    made.push(name);
    const r = spuff(["up", name, "--no-connect", "--json", ...extra], cwd);
    spuff(["down", name, "--yes"]);
    made.splice(made.indexOf(name), 1);
    return r;
  };
  prebuildMs = spuff(["prebuild"], project).ms;
  process.stderr.write(`prebuild made in ${(prebuildMs / 1000).toFixed(1)} s\n`);
  for (let i = 0; i < runs; i++) {
    if (i < coldRuns) times.cold.push(up(`bench-cold-${i}`, project, ["--image", "debian-12"]).ms);
    const warm = up(`bench-warm-${i}`, project);
    if (!warm.stderr.includes("Booting prebuild"))
      throw new Error(`up did not boot the prebuild:\n${warm.stderr}`);
    times.prebuild.push(warm.ms);
    times.bare.push(up(`bench-bare-${i}`, bare).ms);
    process.stderr.write(
      `round ${i + 1}: ${Object.entries(times)
        .map(([k, v]) => (v[i] === undefined ? "" : `${k} ${(v[i] / 1000).toFixed(1)} s`))
        .filter(Boolean)
        .join(", ")}\n`,
    );
  }
} finally {
  for (const name of made)
    spawnSync(process.execPath, [bin, "down", name, "--yes"], { env, timeout: 300_000 });
  const list = spawnSync(process.execPath, [bin, "prebuild", "list", "--json"], { env, encoding: "utf8" });
  for (const p of JSON.parse(list.stdout || "[]").filter((x) => x.project === "bench-pb"))
    spawnSync(process.execPath, [bin, "prebuild", "rm", p.id], { env, timeout: 120_000 });
  fs.rmSync(dir, { recursive: true, force: true });
}

const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
const load = os
  .loadavg()
  .map((x) => x.toFixed(1))
  .join(" ");
console.log(`| up | runs | median to ready | × bare |`);
console.log(`|---|---|---|---|`);
console.log(
  `| cold (installs everything) | ${times.cold.length} | ${s(m.cold)} | ${(m.cold / m.bare).toFixed(2)} |`,
);
console.log(
  `| from the prebuild | ${times.prebuild.length} | ${s(m.prebuild)} | **${(m.prebuild / m.bare).toFixed(2)}** |`,
);
console.log(`| bare (no spuff.yaml) | ${times.bare.length} | ${s(m.bare)} | 1.00 |`);
console.log(
  `\nprebuild made once in ${s(prebuildMs)}; per run (s): ${Object.entries(times)
    .map(([k, v]) => `${k} ${v.map((x) => (x / 1000).toFixed(1)).join("/")}`)
    .join("; ")}; load average at the end ${load}`,
);
console.log(
  `ratio from-prebuild ÷ bare = ${(m.prebuild / m.bare).toFixed(2)} (target ≤ 1.2); cold ÷ from-prebuild = ${(m.cold / m.prebuild).toFixed(1)}`,
);
