/**
 * Simulated volumes as real block devices (TEST INFRASTRUCTURE: the simulators'
 * `--volume-devices`, nspawn machines without a user namespace). Each volume's data is a sparse
 * disk image on the host (`<dataDir>/sim-volumes/<volume id>.img`) that outlives machines; an
 * attach puts it on a loop device and makes the node plus the provider's by-id link inside the
 * machine's /dev (the recipe of local-machines-2.md §3a, hot attach), so the guest finds, formats
 * and mounts it exactly as a cloud VM does. Pitfall kept in view: without a devices cgroup,
 * guest root of such a machine could mknod another machine's loop device; these machines run
 * only the simulators' test guests, never user workloads.
 */
import fs from "node:fs";
import path from "node:path";
import { descendantInOtherNetns } from "../machines/procs.ts";
import { run } from "../machines/run.ts";
import type { SimVolumeDevice } from "./backend.ts";

// The by-id names the simulators give: letters, digits, "_" and "-", nothing a path could misuse.
const BY_ID = /^[A-Za-z0-9_-]{1,128}$/;
const LOOP = /^\/dev\/loop(\d+)$/;

interface Attached {
  instanceId: string;
  loop: string;
  byId: string;
}

/** The MachineBackend volume methods over these devices. */
export function volumeBackendMethods(v: ReturnType<typeof loopVolumeDevices>) {
  return {
    attachVolume: (instanceId: string, d: SimVolumeDevice) => v.attach(instanceId, d),
    detachVolume: (_instanceId: string, volumeId: string) => v.detach(volumeId),
    resizeVolume: (volumeId: string, gb: number) => v.resize(volumeId, gb),
    deleteVolume: (volumeId: string) => v.remove(volumeId),
  };
}

/** `nspawnPidOf`: the machine's nspawn process; its child in another netns is the guest's PID 1. */
export function loopVolumeDevices(dataDir: string, nspawnPidOf: (instanceId: string) => number | undefined) {
  const leaderOf = (instanceId: string) => {
    const pid = nspawnPidOf(instanceId);
    return pid ? descendantInOtherNetns(pid) : undefined;
  };
  const dir = path.join(dataDir, "sim-volumes");
  const attached = new Map<string, Attached>();
  const image = (id: string) => {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) throw new Error(`bad volume id ${JSON.stringify(id)}`);
    return path.join(dir, `${id}.img`);
  };
  /** Runs in the machine's mount namespace as root (the guest's root already is host root here). */
  const inGuest = async (instanceId: string, script: string, args: string[]) => {
    const leader = leaderOf(instanceId);
    if (!leader) return;
    await run("nsenter", ["-t", String(leader), "-m", "--", "sh", "-c", script, "sh", ...args]);
  };
  const release = async (volumeId: string) => {
    const a = attached.get(volumeId);
    if (!a) return;
    attached.delete(volumeId);
    const n = LOOP.exec(a.loop)?.[1] ?? "";
    await inGuest(a.instanceId, 'rm -f "/dev/disk/by-id/$1" "/dev/loop$2"', [a.byId, n]).catch(
      () => undefined,
    );
    await run("losetup", ["-d", a.loop]).catch(() => undefined);
  };
  return {
    async attach(instanceId: string, v: SimVolumeDevice): Promise<void> {
      if (!BY_ID.test(v.byId)) throw new Error(`bad device name ${JSON.stringify(v.byId)}`);
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const img = image(v.id);
      if (!fs.existsSync(img)) await run("truncate", ["-s", `${v.sizeGb}G`, img]);
      const loop = (await run("losetup", ["-f", "--show", img])).trim();
      const n = LOOP.exec(loop)?.[1];
      if (!n) throw new Error(`losetup gave ${JSON.stringify(loop)}`);
      attached.set(v.id, { instanceId, loop, byId: v.byId });
      // mknod -m fails on nspawn's /dev ("Operation not supported"): chmod afterwards.
      await inGuest(
        instanceId,
        'mknod "/dev/loop$1" b 7 "$1" && chmod 600 "/dev/loop$1" && mkdir -p /dev/disk/by-id && ln -sfn "../../loop$1" "/dev/disk/by-id/$2"',
        [n, v.byId],
      );
    },
    detach: release,
    async resize(volumeId: string, sizeGb: number): Promise<void> {
      const img = image(volumeId);
      if (fs.existsSync(img)) await run("truncate", ["-s", `${sizeGb}G`, img]);
      const a = attached.get(volumeId);
      if (a) await run("losetup", ["-c", a.loop]);
    },
    async remove(volumeId: string): Promise<void> {
      await release(volumeId);
      fs.rmSync(image(volumeId), { force: true });
    },
    /** A machine going away: its loop devices are freed, the images stay. */
    async detachAllOf(instanceId: string): Promise<void> {
      for (const [id, a] of [...attached]) if (a.instanceId === instanceId) await release(id);
    },
    async close(): Promise<void> {
      for (const id of [...attached.keys()]) await release(id);
    },
  };
}
