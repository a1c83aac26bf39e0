/**
 * Local machine boot times, per backend: create → SSH banner and create → cloud-init done
 * (`cloud-init status --wait` over SSH with the pinned host key), median of N runs, with the
 * baseline of the same run: the machine's raw process start (create() returning).
 *   node --import tsx bench/machines.ts [--backend nspawn|qemu] [--runs 5]
 * Needs root, the built image (spuff image build) in SPUFF_DATA_DIR or .cache/spuff-data.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { generateHostKey } from "../src/cloudinit/host-key.ts";
import { MachineEngine } from "../src/machines/engine.ts";
import { machineLayout } from "../src/machines/layout.ts";
import type { DriverName } from "../src/machines/types.ts";
import { exec } from "../src/ssh/exec.ts";
import { waitForLogin } from "../src/ssh/wait.ts";

const { values } = parseArgs({
  options: { backend: { type: "string", default: "nspawn" }, runs: { type: "string", default: "5" } },
});
const driver = values.backend as DriverName;
const runs = Number(values.runs);
const shared = process.env.SPUFF_DATA_DIR || path.resolve(import.meta.dirname, "../.cache/spuff-data");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-bench-machines-"));
fs.symlinkSync(path.join(shared, "images"), path.join(dataDir, "images"));
const engine = new MachineEngine({ layout: machineLayout(dataDir) });

const key = path.join(dataDir, "id");
execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
const userPub = fs.readFileSync(`${key}.pub`, "utf8").trim();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const started: number[] = [];
const banner: number[] = [];
const done: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const hostKey = generateHostKey();
    const userData = `#cloud-config\n${stringify({
      users: [{ name: "dev", shell: "/bin/bash", ssh_authorized_keys: [userPub] }],
      ssh_keys: { ed25519_private: hostKey.privateKey, ed25519_public: hostKey.publicKey },
    })}`;
    const t0 = performance.now();
    const m = await engine.create({ name: `bench-${i}`, userData, image: "debian-12", driver });
    started.push(performance.now() - t0);
    await engine.waitSsh(m.id, 600_000);
    banner.push(performance.now() - t0);
    const conn = await waitForLogin(
      { host: m.address, user: "dev", privateKeyPath: key, pinnedHostKey: hostKey.publicKey },
      { timeoutMs: 600_000 },
    );
    const r = await exec(conn, "cloud-init status --wait --format=json", { timeoutMs: 600_000 });
    if (JSON.parse(r.stdout).status !== "done") throw new Error(`cloud-init: ${r.stdout}`);
    done.push(performance.now() - t0);
    await conn.close();
    await engine.destroy(m.id);
    process.stderr.write(
      `run ${i + 1}/${runs}: banner ${(banner.at(-1)! / 1000).toFixed(1)} s, done ${(done.at(-1)! / 1000).toFixed(1)} s\n`,
    );
  }
} finally {
  for (const m of engine.list()) await engine.destroy(m.id);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(
  `| backend | runs | create() returns (baseline) | create → SSH banner | create → cloud-init done | banner ÷ baseline |`,
);
console.log(`|---|---|---|---|---|---|`);
console.log(
  `| ${driver} | ${runs} | ${s(median(started))} | ${s(median(banner))} | ${s(median(done))} | ${(median(banner) / median(started)).toFixed(1)}× |`,
);
