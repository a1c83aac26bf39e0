// `npm run bench`: every benchmark, one after another (each prints a markdown table).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const here = import.meta.dirname;
const quick = process.argv.includes("--quick");
const benches = [
  ["cold-start.mjs"],
  ["agent-bench.mjs", ...(quick ? ["--idle-seconds", "10"] : [])],
  ["wait-ready-bench.mjs"],
];
let failed = false;
for (const [file, ...args] of benches) {
  if (!fs.existsSync(path.join(here, file))) continue;
  console.log(`\n## ${file} ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [path.join(here, file), ...args], { stdio: "inherit" });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
