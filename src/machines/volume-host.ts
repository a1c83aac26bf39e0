/**
 * The host's side of a local volume: its filesystem and its host mount. The image is formatted
 * (ext4, labelled) only when `blkid -p` finds no signature at all, never otherwise; it is grown
 * to the image's size while nothing has it mounted; it is mounted through a loop device with
 * autoclear (the device goes with the last mount) and nosuid,nodev (the guest writes setuid files
 * as its root, which is uid 0 on disk), in a folder only root can reach.
 */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { readDirOrEmpty } from "../core/read-dir.ts";
import { isMounted, unmount } from "./mounts.ts";
import { isProcessAlive, pidsMentioning } from "./procs.ts";
import { run } from "./run.ts";
import type { VolumeFiles } from "./volumes.ts";

const SYS_BLOCK = "/sys/block";
/**
 * A loop device with autoclear goes with the last mount of its filesystem, and a machine's mount
 * namespace lets go of its copy only once the kernel has finished tearing the namespace down:
 * usually within a second of the machine's last process, measured up to >10 s on a loaded host.
 */
const LOOP_RELEASE_MS = 60_000;
const MKFS_TIMEOUT_MS = 120_000;

/** Loop devices (e.g. `/dev/loop3`) whose backing file is `image`, from /sys (not from records). */
export function loopsOf(image: string): string[] {
  const real = realOrAsGiven(image);
  const out: string[] = [];
  for (const n of readDirOrEmpty(SYS_BLOCK)) {
    if (!/^loop\d+$/.test(n)) continue;
    let backing = "";
    try {
      backing = fs.readFileSync(`${SYS_BLOCK}/${n}/loop/backing_file`, "utf8").trim();
    } catch {
      continue; // not bound to a file
    }
    // The kernel appends " (deleted)" once the file is gone while a loop device still has it.
    if (backing === real || backing === `${real} (deleted)`) out.push(`/dev/${n}`);
  }
  return out;
}

/** Waits (bounded) until no loop device is backed by the image; false when one stays. */
export function loopsReleased(image: string, timeoutMs = LOOP_RELEASE_MS): Promise<boolean> {
  return until(() => loopsOf(image).length === 0, timeoutMs);
}

/**
 * Host tools still working on the image: a mkfs, e2fsck or resize2fs outlives the attach that
 * started it when that attach is killed (its child is not). They all name the image on their
 * command line, which they have from their start, before they open it.
 */
export function toolsOn(image: string): number[] {
  const real = realOrAsGiven(image);
  return [...new Set([...pidsMentioning(image), ...pidsMentioning(real)])].filter(isProcessAlive);
}

/** `ok()` polled with a growing pause (50 ms up to 500 ms) until true or `timeoutMs` is over. */
async function until(ok: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < timeoutMs / 50 + 1; i++) {
    if (ok()) return true;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(500, 50 * (i + 1))));
  }
  return ok();
}

/**
 * Formats a blank image, and grows an ext4 filesystem smaller than its image (after `volume
 * resize`); only while no loop device and no other host tool has it. Resolves whether it formatted.
 */
export async function prepareFilesystem(image: string, label: string): Promise<boolean> {
  // A killed attach's mkfs would otherwise write its filesystem over the one formatted or mounted
  // here: the probe below would see a blank image while that mkfs has not written its superblock.
  if (!(await until(() => toolsOn(image).length === 0, MKFS_TIMEOUT_MS)))
    throw new UserError(
      "volume_in_use",
      `A host tool is still working on the volume's image (pid ${toolsOn(image).join(", ")}).`,
      {
        hint: "An earlier attach was interrupted while formatting it: let that tool finish, then try again.",
      },
    );
  if (loopsOf(image).length > 0)
    throw new UserError("volume_in_use", "The volume's image is still in use on this host.", {
      hint: "A machine that had it may still be stopping: run `spuff local gc`, then try again.",
    });
  // blkid -p exits 2 only when it finds no signature at all; any other failure never formats.
  const rc = await blkidProbe(image);
  if (rc === 2) {
    await run("mkfs.ext4", ["-q", "-L", label, image], { timeoutMs: MKFS_TIMEOUT_MS });
    return true;
  }
  if (rc !== 0)
    throw new UserError(
      "volume_unreadable",
      `blkid could not read the volume's image (exit ${rc}); not formatting it.`,
      {
        hint: "Inspect it on the host with: blkid -p IMAGE (spuff volume list --json shows its path).",
      },
    );
  if ((await fsType(image)) === "ext4" && (await ext4Bytes(image)) < fs.statSync(image).size) {
    await run("e2fsck", ["-f", "-p", image], { timeoutMs: MKFS_TIMEOUT_MS, okCodes: [1] });
    await run("resize2fs", [image], { timeoutMs: MKFS_TIMEOUT_MS });
  }
  return false;
}

async function blkidProbe(image: string): Promise<number> {
  const out = await run("sh", ["-c", 'blkid -p "$1" >/dev/null 2>&1 && echo 0 || echo "$?"', "sh", image]);
  return Number(out.trim());
}

async function fsType(image: string): Promise<string> {
  return (await run("blkid", ["-s", "TYPE", "-o", "value", image], { okCodes: [2] })).trim();
}

export async function filesystemUuid(image: string): Promise<string> {
  const uuid = (await run("blkid", ["-s", "UUID", "-o", "value", image])).trim();
  if (!/^[0-9a-fA-F-]{8,}$/.test(uuid))
    throw new UserError("volume_mount_failed", "The volume's filesystem has no UUID.");
  return uuid;
}

async function ext4Bytes(image: string): Promise<number> {
  const out = await run("dumpe2fs", ["-h", image]);
  const num = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)$`, "m").exec(out)?.[1] ?? 0);
  return num("Block count") * num("Block size");
}

/** Mounts the image on its `mnt/` (idempotent); the caller prepared the filesystem. */
export async function mountOnHost(f: VolumeFiles): Promise<void> {
  if (isMounted(f.mnt)) return;
  await run("mount", ["-t", "ext4", "-o", "loop,nosuid,nodev,noinit_itable", f.image, f.mnt], {
    timeoutMs: 60_000,
  });
}

/** Unmounts the host mount (idempotent) and waits until its loop device is released. */
export async function unmountOnHost(f: VolumeFiles): Promise<boolean> {
  await unmount(f.mnt);
  return loopsReleased(f.image);
}

/** `MAJOR:MINOR` of the filesystem mounted at `dir` (what the guest's bind shows as st_dev). */
export function deviceOf(dir: string): string {
  const st = fs.statSync(dir);
  return `${Math.floor(st.dev / 256) & 0xfff}:${(st.dev & 0xff) | ((st.dev >> 12) & 0xfff00)}`;
}

function realOrAsGiven(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
