// What a workspace volume costs `up`, on nspawn machines behind the DigitalOcean simulator (`spuff-sim
// digitalocean --backend nspawn --volume-devices`: the volume is a real block device in the machine
// under DO's by-id name), side by side in one run:
//   baseline     `up` without a volume
//   with volume  `up --volume NAME` attaching a volume that exists and already has a filesystem
//                (made once here by an `up --volume NAME:1` + `down`; so attach_volume finds it and
//                mount_volume only mounts it, as on every `up` after the first)
// Each figure is the wall time of `spuff up NAME --no-connect --json` until it exits (the agent is
// running); the simulator's API timings are its defaults (instance active after 500 ms, actions
// such as the attach done after 300 ms). Rounds interleave the two, alternating which goes first;
// every machine is `down`ed between runs (the volume is kept). Medians and the ratio at the end.
//   node bench/volume.mjs [--runs 3]
// Needs root, `npm run build`, and the Debian image in SPUFF_DATA_DIR or .cache/spuff-data.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startSim } from "./lib/sim.mjs";
import { median } from "./lib/stats.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const runs = Math.max(1, Number(values.runs) || 3);
const repo = path.resolve(import.meta.dirname, "..");
const bin = path.join(repo, "bin/spuff.cjs");
const shared = process.env.SPUFF_DATA_DIR || path.join(repo, ".cache/spuff-data");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-bench-volume-"));
fs.symlinkSync(path.join(shared, "images"), path.join(dir, "images"));
const token = "dop_v1_bench_volume_token";
const VOLUME = "benchvol";

// The simulator's machines live in the same data dir as spuff's (as in test/e2e/volume-journey).
const { sim, url: simUrl } = await startSim(
  ["digitalocean", "--port", "0", "--token", token, "--backend", "nspawn", "--volume-devices"],
  { env: { ...process.env, SPUFF_DATA_DIR: dir }, timeoutMs: 30_000 },
);
const env = {
  ...process.env,
  SPUFF_DATA_DIR: dir,
  SPUFF_CONFIG_DIR: path.join(dir, "cfg"),
  HOME: dir,
  DIGITALOCEAN_API_URL: simUrl,
  DIGITALOCEAN_TOKEN: token,
};
const key = path.join(dir, "id");
execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);

/** Runs spuff; returns wall ms and output. Bounded at 10 min; a failure stops the benchmark. */
function spuff(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    env,
    encoding: "utf8",
    timeout: 600_000,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`spuff ${args.join(" ")} exited ${r.status ?? r.signal}:\n${r.stderr}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

/** A phase's duration from `up --json`'s event lines. */
const phaseMs = (stdout, phase) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l))
    .find((e) => e.phase === phase && e.status === "done")?.ms;

const made = [];
const times = { baseline: [], volume: [] };
const phases = { attach_volume: [], mount_volume: [] };
let cleanupError;
try {
  spuff(["init", "--defaults", "--provider", "digitalocean", "--ssh-key", key]);
  const up = (name, extra = []) => {
    made.push(name);
    const r = spuff(["up", name, "--no-connect", "--json", ...extra]);
    spuff(["down", name, "--yes"]);
    made.splice(made.indexOf(name), 1);
    return r;
  };
  // The volume exists and has a filesystem before the first measured run.
  const first = up("bench-vol-prep", ["--volume", `${VOLUME}:1`]);
  if (!first.stdout.includes("formatted (new volume)"))
    throw new Error(`prep did not format:\n${first.stdout}`);
  const measured = {
    baseline: (i) => up(`bench-base-${i}`),
    volume: (i) => {
      const r = up(`bench-vol-${i}`, ["--volume", VOLUME]);
      if (!r.stdout.includes("existing filesystem"))
        throw new Error(`up did not find the volume's filesystem:\n${r.stdout}`);
      for (const p of Object.keys(phases)) phases[p].push(phaseMs(r.stdout, p));
      return r;
    },
  };
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ["baseline", "volume"] : ["volume", "baseline"];
    for (const k of order) times[k].push(measured[k](i).ms);
    process.stderr.write(
      `round ${i + 1}: baseline ${(times.baseline[i] / 1000).toFixed(1)} s, with volume ${(times.volume[i] / 1000).toFixed(1)} s\n`,
    );
  }
} finally {
  for (const name of made)
    spawnSync(process.execPath, [bin, "down", name, "--yes"], { env, timeout: 300_000 });
  const rm = spawnSync(process.execPath, [bin, "volume", "rm", VOLUME, "--yes"], {
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (rm.status !== 0) cleanupError = `volume rm ${VOLUME}: ${rm.stderr}`;
  sim.kill("SIGTERM");
  await new Promise((resolve) => {
    const t = setTimeout(resolve, 60_000);
    sim.on("exit", () => resolve(clearTimeout(t)));
  });
  fs.rmSync(dir, { recursive: true, force: true });
}
if (cleanupError) process.stderr.write(`cleanup: ${cleanupError}\n`);

const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
const mBase = median(times.baseline);
const mVol = median(times.volume);
const load = os
  .loadavg()
  .map((x) => x.toFixed(1))
  .join(" ");
console.log(`| up (nspawn behind the DigitalOcean simulator) | runs | median to ready | × baseline |`);
console.log(`|---|---|---|---|`);
console.log(`| without a volume | ${times.baseline.length} | ${s(mBase)} | 1.00 |`);
console.log(
  `| attaching an existing volume | ${times.volume.length} | ${s(mVol)} | **${(mVol / mBase).toFixed(2)}** |`,
);
console.log(
  `\nper run (s): ${Object.entries(times)
    .map(([k, v]) => `${k} ${v.map((x) => (x / 1000).toFixed(1)).join("/")}`)
    .join(
      "; ",
    )}; volume phases (median ms): attach_volume ${median(phases.attach_volume)}, mount_volume ${median(phases.mount_volume)}; load average at the end ${load}`,
);
console.log(`ratio with volume ÷ without = ${(mVol / mBase).toFixed(2)} (target ≤ 1.15)`);
