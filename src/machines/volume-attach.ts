/**
 * Attaching a local volume to a machine and taking it back. Order is what keeps the data safe:
 * the record names the machine BEFORE anything is mounted (so a killed attach leaves a trail for
 * gc, and no second machine can take a volume one may still have), the host formats only a blank
 * image, mounts it, and binds it into the machine (volume-bind.ts); the record is cleared only
 * after the host mount is gone and its loop device released. Every step is idempotent, so a retry
 * completes a half-done attach. One volume, one machine: a volume attached to a live machine is
 * refused elsewhere; one whose machine died is released first.
 */
import fs from "node:fs";
import { UserError } from "../core/errors.ts";
import { removeTree } from "./guest-fs.ts";
import type { MachineLayout } from "./layout.ts";
import { isMounted, mountsUnder, unmount } from "./mounts.ts";
import { descendantInOtherNetns, isProcessAlive } from "./procs.ts";
import { readRecord } from "./records.ts";
import type { MachineRecord } from "./types.ts";
import { bindIntoMachine, unbindCopies, unbindFromMachine } from "./volume-bind.ts";
import { deviceOf, filesystemUuid, mountOnHost, prepareFilesystem, unmountOnHost } from "./volume-host.ts";
import { hotplugDisk, qemuDevicePath, qmpSocket, unplugDisk } from "./volume-qemu.ts";
import {
  abandonedVolumeDirs,
  listVolumes,
  readVolume,
  type VolumeRecord,
  volumeFiles,
  withLock,
  writeVolume,
} from "./volumes.ts";

/** ext4 labels hold 16 bytes; volume names are ASCII (volumes/spec.ts). */
const label = (name: string) => name.slice(0, 16);

/** A machine that is up: its record says running and its main process lives. */
function liveMachine(layout: MachineLayout, id: string): MachineRecord | undefined {
  const m = readRecord(layout, id);
  return m && m.state === "running" && isProcessAlive(m.pid) ? m : undefined;
}

const leaderOf = (m: MachineRecord) => (m.pid ? descendantInOtherNetns(m.pid) : undefined);

function existing(layout: MachineLayout, id: string): VolumeRecord {
  const v = readVolume(layout, id);
  if (!v) throw new UserError("volume_not_found", `Local volume ${id} does not exist.`);
  return v;
}

/**
 * Attaches volume `id` at `guestPath` inside machine `m` (nspawn with a user namespace) and
 * resolves with the record once the filesystem is there.
 */
export async function attachVolume(
  layout: MachineLayout,
  id: string,
  m: MachineRecord,
  guestPath: string,
): Promise<VolumeRecord> {
  const f = volumeFiles(layout, id);
  return withLock(f.lock, `Volume ${id}`, async () => {
    let v = existing(layout, id);
    const held = v.attachment;
    if (held && held.machine !== m.id) {
      if (liveMachine(layout, held.machine))
        throw new UserError("volume_in_use", `Volume ${v.name} is attached to machine ${held.machine}.`, {
          hint: "A volume is on one machine at a time: `spuff down` that instance first (the volume stays).",
        });
      v = await release(layout, v); // its machine died: nothing can still write to it
    }
    if (!liveMachine(layout, m.id))
      throw new UserError("machine_not_running", `Local machine ${m.id} is not running.`);
    if (m.driver === "qemu") return attachDisk(layout, v, m);
    const leader = leaderOf(m);
    if (!leader || m.uidBase === undefined)
      throw new UserError(
        "machine_not_running",
        `Local machine ${m.id} has no user-namespaced guest to bind into.`,
      );
    const wasFormatted = held?.machine === m.id ? held.formatted : undefined;
    v = { ...v, attachment: { machine: m.id, kind: "bind", path: guestPath } };
    writeVolume(layout, v);
    try {
      const formatted = isMounted(f.mnt) ? (wasFormatted ?? false) : await mountFresh(f, v.name);
      await bindIntoMachine(leader, f.mnt, guestPath);
      const fsUuid = await filesystemUuid(f.image);
      const done: VolumeRecord = {
        ...v,
        attachment: { machine: m.id, kind: "bind", path: guestPath, fsUuid, formatted },
      };
      writeVolume(layout, done);
      return done;
    } catch (err) {
      await release(layout, v).catch(() => undefined);
      throw err;
    }
  });
}

/** qemu: the record first, then the hot-plug; the guest formats and mounts it (volume-mount.sh). */
async function attachDisk(layout: MachineLayout, v: VolumeRecord, m: MachineRecord): Promise<VolumeRecord> {
  const f = volumeFiles(layout, v.id);
  if (!fs.existsSync(qmpSocket(layout, m.id)))
    throw new UserError(
      "volumes_unsupported",
      `Local machine ${m.id} was started without a QMP socket to hot-plug into.`,
      {
        hint: "It predates local volumes: recreate it (spuff down, then spuff up --volume …).",
      },
    );
  const attached: VolumeRecord = {
    ...v,
    attachment: { machine: m.id, kind: "disk", path: qemuDevicePath(v.id) },
  };
  writeVolume(layout, attached);
  try {
    await hotplugDisk(qmpSocket(layout, m.id), v.id, f.image);
    return attached;
  } catch (err) {
    await release(layout, attached).catch(() => undefined);
    throw err;
  }
}

async function mountFresh(f: ReturnType<typeof volumeFiles>, name: string): Promise<boolean> {
  const formatted = await prepareFilesystem(f.image, label(name));
  await mountOnHost(f);
  return formatted;
}

/** Detaches volume `id` from machine `machineId`; resolves at once when it is not attached there. */
export async function detachVolume(
  layout: MachineLayout,
  id: string,
  machineId: string,
): Promise<VolumeRecord> {
  return withLock(volumeFiles(layout, id).lock, `Volume ${id}`, async () => {
    const v = existing(layout, id);
    if (v.attachment?.machine !== machineId) return v;
    return release(layout, v);
  });
}

/**
 * Takes the volume out of its machine (when that still runs) and off the host, then clears the
 * record. Throws, keeping the record, while a process still holds the filesystem (its loop
 * device stays): the volume is then not safe to give to another machine.
 */
async function release(layout: MachineLayout, v: VolumeRecord): Promise<VolumeRecord> {
  const f = volumeFiles(layout, v.id);
  const a = v.attachment;
  const m = a && liveMachine(layout, a.machine);
  if (a?.kind === "disk" && m) await unplugDisk(qmpSocket(layout, m.id), v.id);
  const leader = a?.kind === "bind" && m && leaderOf(m);
  const device = isMounted(f.mnt) ? deviceOf(f.mnt) : undefined;
  if (a && leader && device) await unbindFromMachine(leader, a.path, device);
  else if (device) await unbindCopies(device);
  if (!(await unmountOnHost(f)))
    throw new UserError(
      "volume_busy",
      `Volume ${v.name} is still in use on this host (its loop device stays).`,
      {
        hint: "A process of the machine may still hold a file on it: stop the machine (`spuff down`), then `spuff local gc`.",
      },
    );
  const { attachment: _gone, ...rest } = v;
  writeVolume(layout, rest);
  return rest;
}

/** Under the volume's lock, releases it when `still` holds for its record read afresh there. */
async function releaseIf(
  layout: MachineLayout,
  v: VolumeRecord,
  still: (now: VolumeRecord) => boolean,
): Promise<void> {
  await withLock(volumeFiles(layout, v.id).lock, `Volume ${v.name}`, async () => {
    const now = readVolume(layout, v.id);
    if (now && still(now)) await release(layout, now);
  });
}

/** A machine going away (engine.destroy, after its processes stopped): its volumes are released. */
export async function releaseVolumesOf(layout: MachineLayout, machineId: string): Promise<string[]> {
  const released: string[] = [];
  for (const v of listVolumes(layout)) {
    if (v.attachment?.machine !== machineId) continue;
    try {
      await releaseIf(layout, v, (now) => now.attachment?.machine === machineId);
      released.push(v.name);
    } catch {
      // Still held (its record keeps naming the gone machine): no machine can take it until
      // gc or the next attach finds it free. The machine itself still goes.
    }
  }
  return released;
}

/**
 * gc: volumes whose machine is gone are released (host mount, loop device, record), host mounts
 * no attachment explains are unmounted, abandoned staging/deletion folders removed. Never deletes
 * a volume's image.
 */
export async function gcVolumes(layout: MachineLayout): Promise<{ volumes: string[]; mounts: string[] }> {
  const report = { volumes: [] as string[], mounts: [] as string[] };
  for (const v of listVolumes(layout)) {
    if (!v.attachment || liveMachine(layout, v.attachment.machine)) continue;
    await releaseIf(layout, v, (now) => !!now.attachment && !liveMachine(layout, now.attachment.machine));
    report.volumes.push(v.name);
  }
  const explained = new Set(
    listVolumes(layout)
      .filter((v) => v.attachment)
      .map((v) => volumeFiles(layout, v.id).mnt),
  );
  for (const mount of mountsUnder(layout.volumesDir)) {
    if (explained.has(mount)) continue;
    await unmount(mount);
    report.mounts.push(mount);
  }
  for (const dir of abandonedVolumeDirs(layout)) {
    if (mountsUnder(dir).length === 0) removeTree(dir);
  }
  return report;
}
