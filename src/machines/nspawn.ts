/**
 * The nspawn driver: the image's root filesystem under a per-machine overlay, booted with
 * systemd as PID 1 (real cloud-init and sshd units), in its own user namespace (guest root is
 * an unprivileged host uid, see userns.ts) and network namespace reached through slirp4netns.
 * Boots in seconds; no separate kernel (local-machines.md §C, local-machines-2.md §1).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { EMBEDDED_SCRIPTS } from "../cloudinit/scripts.generated.ts";
import { UserError } from "../core/errors.ts";
import { readDirOrEmpty } from "../core/read-dir.ts";
import { inCgroups, makeMachineCgroups, pidsInMachineCgroups, removeMachineCgroups } from "./cgroup.ts";
import type { MachineDriver, StartContext } from "./driver.ts";
import { removeBeneath, removeMatching, writeFileBeneath } from "./guest-fs.ts";
import { imageLayers } from "./image.ts";
import type { MachineLayout } from "./layout.ts";
import { deleteNetns, mountOverlay, unmount } from "./mounts.ts";
import {
  descendantInOtherNetns,
  isProcessAlive,
  pidsInNetns,
  pidsMentioning,
  stopProcesses,
} from "./procs.ts";
import { run } from "./run.ts";
import { NOCLOUD_SEED, writeSeed } from "./seed.ts";
import { forwardSsh, startSlirp } from "./slirp.ts";
import type { MachineRecord } from "./types.ts";
import { mountIdmapped, UID_RANGE, uidBaseFor, unshiftTree } from "./userns.ts";

/** A clean poweroff takes ~2 s; past this the container is killed. */
const POWEROFF_GRACE_MS = 15_000;

export interface NspawnOptions {
  /** See SlirpOptions.hostLoopbackFrom: each machine leaves from its own 127.0.0.N (simulator only). */
  guestReachesHostLoopback?: boolean;
  /**
   * TEST INFRASTRUCTURE ONLY (the simulators' `--volume-devices`): false boots the machine without
   * a user namespace, so guest root can format and mount a block device the way a cloud VM's root
   * does (a userns guest gets "permission denied": local-machines-2.md §3b). Guest root is then
   * host root over the machine's files and devices; never for local machines.
   */
  userNamespace?: boolean;
}

export const createNspawnDriver = (o: NspawnOptions = {}): MachineDriver => ({
  name: "nspawn",

  async start({ layout, record, seed, save }: StartContext) {
    const dir = layout.machineDir(record.id);
    const merged = path.join(dir, "merged");
    const userns = o.userNamespace !== false;
    const uidBase = userns ? uidBaseFor(record.address) : 0;
    if (userns) save({ uidBase });
    for (const d of ["upper", "work", "merged"]) fs.mkdirSync(path.join(dir, d), { mode: 0o755 });
    // The image's layers appear shifted to the machine's UID range; the upper stays plain (an
    // idmapped upper makes overlayfs mount read-only).
    const layers = imageLayers(layout, record.image);
    const lowers = userns ? await mountIdmapped(layers, dir, uidBase) : layers;
    await mountOverlay(lowers, path.join(dir, "upper"), path.join(dir, "work"), merged);
    const guestRoot = { uid: uidBase, gid: uidBase };
    writeSeed(merged, NOCLOUD_SEED, seed, guestRoot);
    // The image's fstab names /dev/vda (qemu); remounting / fails in a user namespace.
    writeFileBeneath(merged, "etc/fstab", "# nspawn machine: the host mounts its root\n", {
      mode: 0o644,
      owner: guestRoot,
    });
    const waitnic = path.join(dir, "waitnic.sh");
    fs.writeFileSync(waitnic, EMBEDDED_SCRIPTS["waitnic.sh"], { mode: 0o755 });

    const log = fs.openSync(path.join(dir, "console.log"), "a", 0o600);
    // No machined/systemd on the host: --register=no --keep-unit, in a cgroup of its own. The
    // network namespace belongs to the machine's user namespace, so its DHCP client and sshd
    // need no capability from the host; slirp4netns joins it through the machine's PID 1.
    const child = spawn(
      "sh",
      inCgroups(makeMachineCgroups(layout.netnsName(record.id)), "systemd-nspawn", [
        "--register=no",
        "--keep-unit",
        "--quiet",
        `--directory=${merged}`,
        `--machine=${record.id}`,
        "--private-network",
        ...(userns ? [`--private-users=${uidBase}:${UID_RANGE}`, "--private-users-ownership=off"] : []),
        // Not --boot, so a clean poweroff on SIGTERM must be asked for.
        "--kill-signal=SIGRTMIN+3",
        "--console=read-only",
        `--bind-ro=${waitnic}:${WAITNIC}`,
        WAITNIC,
      ]),
      { detached: true, stdio: ["ignore", log, log] },
    );
    fs.closeSync(log);
    child.unref();
    if (!child.pid) throw new UserError("nspawn_failed", "systemd-nspawn did not start.");
    save({ pid: child.pid });
    const leader = await waitForLeader(child.pid, dir);
    const slirpPid = startSlirp(
      leader,
      path.join(dir, "slirp.sock"),
      path.join(dir, "slirp.log"),
      o.guestReachesHostLoopback ? { hostLoopbackFrom: record.address } : {},
    );
    save({ slirpPid });
    await forwardSsh(path.join(dir, "slirp.sock"), record.address);
  },

  async teardown(layout, id, record) {
    const dir = layout.machineDir(id);
    const netns = layout.netnsName(id);
    // SIGTERM to nspawn is a clean poweroff of the container; slirp4netns goes after it.
    const nspawn = [record?.pid, ...pidsMentioning(`${dir}/merged`)].filter(
      (p): p is number => p !== undefined && isProcessAlive(p) && isNspawn(p),
    );
    await stopProcesses([...new Set(nspawn)], POWEROFF_GRACE_MS);
    // A creator killed mid-start can leave a process that forks after any one look at /proc
    // (sh exec-ing nspawn, nspawn forking its children): look again until nothing is left.
    for (let round = 0; round < TEARDOWN_ROUNDS; round++) {
      const left = [
        ...pidsInMachineCgroups(netns),
        ...pidsInNetns(netns),
        ...pidsMentioning(dir),
        ...pidsMentioning(`/run/netns/${netns}`),
      ].filter((p) => isProcessAlive(p));
      if (left.length === 0) break;
      await stopProcesses([...new Set(left)], 2000);
    }
    await unmount(path.join(dir, "merged"));
    for (const lower of readDirOrEmpty(dir)
      .filter((n) => /^lower-\d+$/.test(n))
      .sort()
      .reverse()) {
      await unmount(path.join(dir, lower));
    }
    removeMachineCgroups(netns);
    await deleteNetns(netns); // machines from before user namespaces had a named netns
  },

  async saveLayer(layout: MachineLayout, record: MachineRecord, dest: string) {
    const upper = path.join(layout.machineDir(record.id), "upper");
    // cp -a keeps owners, modes, xattrs and overlay whiteouts (device 0:0 files), and copies
    // links as links.
    await run("cp", ["-a", upper, dest], { timeoutMs: 600_000 });
    if (record.uidBase !== undefined) unshiftTree(dest, record.uidBase);
    // A snapshot must not carry the source machine's identity or cloud-init instance state. The
    // copy is the guest's tree: links in it are removed as links, never followed (guest-fs.ts).
    for (const p of ["etc/machine-id", "var/lib/cloud/instance", "var/lib/cloud/instances", NOCLOUD_SEED]) {
      removeBeneath(dest, p);
    }
    removeMatching(dest, "etc/ssh", (n) => n.startsWith("ssh_host_"));
  },
});

/** Sweeps of a machine's processes in teardown; each stops what it finds (≤ 7 s). */
const TEARDOWN_ROUNDS = 5;

/** Where the PID 1 wrapper (scripts/waitnic.sh) appears inside the machine. */
const WAITNIC = "/run/spuff-waitnic";
/** nspawn's child enters the new namespaces within ~50–75 ms on a quiet host. */
const LEADER_TIMEOUT_MS = 10_000;

/** The machine's PID 1 (nspawn's descendant in the new network namespace), or nspawn's error. */
async function waitForLeader(nspawnPid: number, dir: string): Promise<number> {
  const deadline = Date.now() + LEADER_TIMEOUT_MS;
  for (let i = 0; Date.now() < deadline && i < 2000; i++) {
    const leader = descendantInOtherNetns(nspawnPid);
    if (leader) return leader;
    if (!isProcessAlive(nspawnPid)) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const tail = fs.readFileSync(path.join(dir, "console.log"), "utf8").split("\n").slice(-10).join("\n");
  throw new UserError("nspawn_failed", `systemd-nspawn did not start the machine:\n${tail}`, {
    hint: `Console log: ${path.join(dir, "console.log")}`,
  });
}

/** Local machines: no way from the guest to the host's loopback. */
export const nspawnDriver = createNspawnDriver();

function isNspawn(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "systemd-nspawn";
  } catch {
    return false;
  }
}
