// `npm run bench`: every benchmark, one after another (each prints a markdown table).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const here = import.meta.dirname;
const quick = process.argv.includes("--quick");
const benches = [
  ["cold-start.mjs"],
  ["reaper-cost.mjs"],
  ["agent-bench.mjs", ...(quick ? ["--idle-seconds", "10"] : [])],
  ["wait-ready-bench.mjs"],
  // Real machines: root and a built image (spuff image build); qemu runs separately (~1 min a boot):
  //   node --import tsx bench/machines.ts --backend qemu --runs 5
  ["machines.ts", "--backend", "nspawn", "--runs", "5"],
  // `up` end to end on nspawn behind the DigitalOcean simulator (root, built image).
  ["up-bench.ts", "overhead", "--runs", "10"],
  ["up-bench.ts", "concurrent", "--n", "10", "--rounds", "2"],
];
let failed = false;
for (const [file, ...args] of benches) {
  if (!fs.existsSync(path.join(here, file))) continue;
  console.log(`\n## ${file} ${args.join(" ")}\n`);
  const loader = file.endsWith(".ts") ? ["--import", "tsx"] : [];
  const r = spawnSync(process.execPath, [...loader, path.join(here, file), ...args], { stdio: "inherit" });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
