/**
 * The nspawn driver: the image's root filesystem under a per-machine overlay, booted with
 * systemd as PID 1 (real cloud-init and sshd units), in its own network namespace reached
 * through slirp4netns. Boots in seconds; no separate kernel (see local-machines.md §C).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import type { MachineDriver, StartContext } from "./driver.ts";
import { removeBeneath, removeMatching } from "./guest-fs.ts";
import { imageLayers } from "./image.ts";
import type { MachineLayout } from "./layout.ts";
import { addNetns, deleteNetns, mountOverlay, unmount } from "./mounts.ts";
import { isProcessAlive, pidsInNetns, pidsMentioning, stopProcesses } from "./procs.ts";
import { run } from "./run.ts";
import { NOCLOUD_SEED, writeSeed } from "./seed.ts";
import { forwardSsh, startSlirp } from "./slirp.ts";
import type { MachineRecord } from "./types.ts";

/** A clean poweroff takes ~2 s; past this the container is killed. */
const POWEROFF_GRACE_MS = 15_000;

export interface NspawnOptions {
  /** See SlirpOptions.hostLoopbackFrom: each machine leaves from its own 127.0.0.N (simulator only). */
  guestReachesHostLoopback?: boolean;
}

export const createNspawnDriver = (o: NspawnOptions = {}): MachineDriver => ({
  name: "nspawn",

  async start({ layout, record, seed, save }: StartContext) {
    const dir = layout.machineDir(record.id);
    const merged = path.join(dir, "merged");
    for (const d of ["upper", "work", "merged"]) fs.mkdirSync(path.join(dir, d), { mode: 0o755 });
    await mountOverlay(
      imageLayers(layout, record.image),
      path.join(dir, "upper"),
      path.join(dir, "work"),
      merged,
    );
    writeSeed(merged, NOCLOUD_SEED, seed);

    const netns = layout.netnsName(record.id);
    await addNetns(netns);
    const slirpPid = startSlirp(
      `/run/netns/${netns}`,
      path.join(dir, "slirp.sock"),
      path.join(dir, "slirp.log"),
      o.guestReachesHostLoopback ? { hostLoopbackFrom: record.address } : {},
    );
    save({ slirpPid });
    await forwardSsh(path.join(dir, "slirp.sock"), record.address);

    const log = fs.openSync(path.join(dir, "console.log"), "a", 0o600);
    // No machined/systemd on the host: --register=no --keep-unit. ifup inside needs CAP_NET_ADMIN,
    // harmless in a private network namespace.
    const child = spawn(
      "systemd-nspawn",
      [
        "--boot",
        "--register=no",
        "--keep-unit",
        "--quiet",
        `--directory=${merged}`,
        `--machine=${record.id}`,
        `--network-namespace-path=/run/netns/${netns}`,
        "--capability=CAP_NET_ADMIN",
        "--console=read-only",
      ],
      { detached: true, stdio: ["ignore", log, log] },
    );
    fs.closeSync(log);
    child.unref();
    if (!child.pid) throw new UserError("nspawn_failed", "systemd-nspawn did not start.");
    save({ pid: child.pid });
    // An image or option problem makes nspawn exit at once: report it instead of a later SSH timeout.
    await new Promise((r) => setTimeout(r, 300));
    if (!isProcessAlive(child.pid)) {
      const tail = fs.readFileSync(path.join(dir, "console.log"), "utf8").split("\n").slice(-10).join("\n");
      throw new UserError("nspawn_failed", `systemd-nspawn exited during start:\n${tail}`, {
        hint: `Console log: ${path.join(dir, "console.log")}`,
      });
    }
  },

  async teardown(layout, id, record) {
    const dir = layout.machineDir(id);
    const netns = layout.netnsName(id);
    // SIGTERM to nspawn is a clean poweroff of the container; slirp4netns goes after it.
    const nspawn = [record?.pid, ...pidsMentioning(`${dir}/merged`)].filter(
      (p): p is number => p !== undefined && isProcessAlive(p) && isNspawn(p),
    );
    await stopProcesses([...new Set(nspawn)], POWEROFF_GRACE_MS);
    await stopProcesses(
      [...pidsInNetns(netns), ...pidsMentioning(dir), ...pidsMentioning(`/run/netns/${netns}`)],
      2000,
    );
    await unmount(path.join(dir, "merged"));
    await deleteNetns(netns);
  },

  async saveLayer(layout: MachineLayout, record: MachineRecord, dest: string) {
    const upper = path.join(layout.machineDir(record.id), "upper");
    // cp -a keeps owners, modes, xattrs and overlay whiteouts (device 0:0 files).
    await run("cp", ["-a", upper, dest], { timeoutMs: 600_000 });
    // A snapshot must not carry the source machine's identity or cloud-init instance state. The
    // copy is the guest's tree: links in it are removed as links, never followed (guest-fs.ts).
    for (const p of ["etc/machine-id", "var/lib/cloud/instance", "var/lib/cloud/instances", NOCLOUD_SEED]) {
      removeBeneath(dest, p);
    }
    removeMatching(dest, "etc/ssh", (n) => n.startsWith("ssh_host_"));
  },
});

/** Local machines: no way from the guest to the host's loopback. */
export const nspawnDriver = createNspawnDriver();

function isNspawn(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "systemd-nspawn";
  } catch {
    return false;
  }
}
