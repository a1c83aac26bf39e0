/**
 * Workspace volumes of the local provider, as files: one folder per volume under the data dir
 * (`volumes/v-<hex>/`, 0700) holding `volume.json` (its record), `disk.img` (a sparse raw image,
 * 0600) and `mnt/` (where the host mounts it while a machine has it). A folder is built under a
 * staging name and renamed into place, so a record never exists without its image; deletion
 * renames it away first, so a half-deleted volume is never listed. Attaching is volume-attach.ts.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import { readDirOrEmpty } from "../core/read-dir.ts";
import { removeTree } from "./guest-fs.ts";
import type { MachineLayout } from "./layout.ts";
import { mountsUnder } from "./mounts.ts";
import { acquirePidLock } from "./pid-lock.ts";
import { isProcessAlive } from "./procs.ts";

/** Where a volume is in use: written before an attach starts, cleared once it is detached. */
export interface VolumeAttachment {
  /** The machine's id. */
  machine: string;
  /**
   * `bind`: the host mounts it and binds it in at `path` (nspawn); `disk`: a disk of the VM at
   * device path `path`, which the guest mounts itself (qemu).
   */
  kind: "bind" | "disk";
  /** bind: the mount point inside the machine (the dev user's ~/workspace); disk: the guest's device path. */
  path: string;
  /** Set once the filesystem is mounted and bound in. */
  fsUuid?: string;
  /** The attach that mounted it formatted it (it was blank). */
  formatted?: boolean;
}

export interface VolumeRecord {
  /** `v-` + 10 hex digits: also names its folder. */
  id: string;
  /** spuff's volume name (volumes/spec.ts), unique among the data dir's volumes. */
  name: string;
  sizeGb: number;
  /** ISO 8601. */
  createdAt: string;
  attachment?: VolumeAttachment;
}

export const VOLUME_ID = /^v-[0-9a-f]{10}$/;
const RECORD = "volume.json";
/** Staging (`.new-`) and deletion (`.del-`) folders carry their writer's PID, so gc can tell abandoned ones. */
const TRANSIENT = /^\.(new|del)-v-[0-9a-f]{10}-(\d+)$/;
const LOCK_WAIT_MS = 120_000;

export interface VolumeFiles {
  dir: string;
  record: string;
  image: string;
  /** The host's mount point while attached (inside the 0700 folder: only root reaches it). */
  mnt: string;
  lock: string;
}

export function volumeFiles(layout: MachineLayout, id: string): VolumeFiles {
  if (!VOLUME_ID.test(id))
    throw new UserError("volume_bad_id", `Invalid local volume id ${JSON.stringify(id)}.`);
  const dir = path.join(layout.volumesDir, id);
  return {
    dir,
    record: path.join(dir, RECORD),
    image: path.join(dir, "disk.img"),
    mnt: path.join(dir, "mnt"),
    lock: path.join(dir, "lock"),
  };
}

export function readVolume(layout: MachineLayout, id: string): VolumeRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(volumeFiles(layout, id).record, "utf8")) as VolumeRecord;
  } catch {
    return undefined;
  }
}

export function writeVolume(layout: MachineLayout, v: VolumeRecord): void {
  writeFileAtomic(volumeFiles(layout, v.id).record, `${JSON.stringify(v, null, 2)}\n`);
}

export function listVolumes(layout: MachineLayout): VolumeRecord[] {
  return readDirOrEmpty(layout.volumesDir)
    .filter((n) => VOLUME_ID.test(n))
    .sort()
    .map((id) => readVolume(layout, id))
    .filter((v): v is VolumeRecord => v !== undefined);
}

export const findVolumeByName = (layout: MachineLayout, name: string) =>
  listVolumes(layout).find((v) => v.name === name);

/** Runs `fn` holding a lock file (PID inside; a dead holder's lock is taken over). */
export async function withLock<T>(file: string, what: string, fn: () => Promise<T>): Promise<T> {
  const release = await acquirePidLock(file, {
    busy: "wait",
    timeoutMs: LOCK_WAIT_MS,
    pollMs: 100,
    error: (holder) =>
      new UserError("volume_busy", `${what} is busy (process ${holder ?? "?"} is changing it).`, {
        hint: "Try again once that spuff command has finished.",
      }),
  });
  try {
    return await fn();
  } finally {
    release?.();
  }
}

/** The volume of that name, made (blank, sparse) when there is none; one per name even when racing. */
export async function createVolume(
  layout: MachineLayout,
  name: string,
  sizeGb: number,
): Promise<VolumeRecord> {
  fs.mkdirSync(layout.volumesDir, { recursive: true, mode: 0o700 });
  return withLock(path.join(layout.volumesDir, `.name-${name}.lock`), `Volume ${name}`, async () => {
    const existing = findVolumeByName(layout, name);
    if (existing) return existing;
    const id = `v-${randomBytes(5).toString("hex")}`;
    const rec: VolumeRecord = { id, name, sizeGb, createdAt: new Date().toISOString() };
    const staging = path.join(layout.volumesDir, `.new-${id}-${process.pid}`);
    fs.mkdirSync(staging, { mode: 0o700 });
    const fd = fs.openSync(path.join(staging, "disk.img"), "wx", 0o600);
    try {
      fs.ftruncateSync(fd, sizeGb * 1024 ** 3); // sparse: blocks are used as the guest writes
    } finally {
      fs.closeSync(fd);
    }
    fs.mkdirSync(path.join(staging, "mnt"), { mode: 0o700 });
    writeFileAtomic(path.join(staging, RECORD), `${JSON.stringify(rec, null, 2)}\n`);
    fs.renameSync(staging, volumeFiles(layout, id).dir);
    return rec;
  });
}

/** Grows the image (never shrinks it); the filesystem follows at the next attach (volume-host.ts). */
export function growImage(layout: MachineLayout, rec: VolumeRecord, sizeGb: number): VolumeRecord {
  if (sizeGb <= rec.sizeGb) return rec;
  fs.truncateSync(volumeFiles(layout, rec.id).image, sizeGb * 1024 ** 3);
  const grown = { ...rec, sizeGb };
  writeVolume(layout, grown);
  return grown;
}

/**
 * Removes a detached volume's folder: renamed away first (no longer listed), then removed without
 * crossing a mount point (a mounted `mnt/` is never emptied through its mount).
 */
export function removeVolumeDir(layout: MachineLayout, id: string): void {
  const f = volumeFiles(layout, id);
  if (!fs.existsSync(f.dir)) return;
  const mounted = mountsUnder(fs.realpathSync(f.dir));
  if (mounted.length > 0)
    throw new UserError("volume_in_use", `Local volume ${id} is still mounted at ${mounted[0]}.`, {
      hint: "Run `spuff local gc` (it unmounts volumes of machines that are gone), then try again.",
    });
  const gone = path.join(layout.volumesDir, `.del-${id}-${process.pid}`);
  fs.renameSync(f.dir, gone);
  removeTree(gone);
}

/** Staging and deletion folders whose writer died (gc removes them: nothing in them is listed). */
export function abandonedVolumeDirs(layout: MachineLayout): string[] {
  return readDirOrEmpty(layout.volumesDir)
    .filter((n) => {
      const m = TRANSIENT.exec(n);
      return m !== null && !isProcessAlive(Number(m[2]));
    })
    .map((n) => path.join(layout.volumesDir, n));
}
