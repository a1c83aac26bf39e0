/**
 * The qemu backend's per-image disk: the image's root filesystem as an ext4 qcow2, with the
 * kernel and initrd to boot it directly, built once on first use and shared read-only by every
 * machine of the image (each boots from its own copy-on-write overlay).
 */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import type { MachineLayout } from "./layout.ts";
import { acquirePidLock } from "./pid-lock.ts";
import { isProcessAlive } from "./procs.ts";
import { run } from "./run.ts";

/** Virtual size of the root disk; the image's files take ~1 GB of it. */
export const ROOT_DISK_BYTES = 4 * 1024 ** 3;
/** How long a starter waits for another process that is building the same image's disk. */
const DISK_LOCK_WAIT_MS = 10 * 60_000;
/** mkfs.ext4 -d and qemu-img convert of ~1 GB took 6–25 s; a slow disk gets much more. */
const DISK_BUILD_TIMEOUT_MS = 15 * 60_000;

/** An image's bootable form, built once and shared (read-only) by all its machines. */
export interface BaseDisk {
  dir: string;
  disk: string;
  kernel: string;
  initrd: string;
}

export function baseDiskOf(imageDir: string): BaseDisk {
  const dir = path.join(imageDir, "disk");
  return {
    dir,
    disk: path.join(dir, "base.qcow2"),
    kernel: path.join(dir, "vmlinuz"),
    initrd: path.join(dir, "initrd.img"),
  };
}

/**
 * The image's disk, kernel and initrd, built on first use. Built in a scratch folder and renamed
 * into place, so a half-built disk is never used; a PID lock (pid-lock.ts, `wait`) keeps concurrent
 * starters from building it twice, and one left by a killed builder is taken over.
 * Even if two builders race past the lock, each builds in its own folder and only the first
 * rename wins: the disk in place never changes under a running machine.
 */
export async function ensureBaseDisk(layout: MachineLayout, imageName: string): Promise<BaseDisk> {
  const imageDir = layout.imageDir(imageName);
  const base = baseDiskOf(imageDir);
  const lock = path.join(imageDir, ".disk.lock");
  const release = await acquirePidLock(lock, {
    busy: "wait",
    timeoutMs: DISK_LOCK_WAIT_MS,
    done: () => fs.existsSync(base.dir),
    error: () =>
      new UserError(
        "qemu_disk_locked",
        `Gave up waiting for another process to build the disk of ${imageName}.`,
        {
          hint: `If no spuff process is running, remove ${lock} and try again.`,
        },
      ),
  });
  if (!release) return base;
  try {
    if (!fs.existsSync(base.dir)) await buildBaseDisk(imageDir, base);
    return base;
  } finally {
    release();
  }
}

async function buildBaseDisk(imageDir: string, base: BaseDisk): Promise<void> {
  removeStalePartials(imageDir);
  const rootfs = path.join(imageDir, "rootfs");
  const partial = path.join(imageDir, `.disk-partial-${process.pid}`);
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { mode: 0o755 });
  const inPartial = (p: string) => path.join(partial, path.basename(p));
  try {
    const raw = path.join(partial, "base.raw");
    fs.writeFileSync(raw, "");
    fs.truncateSync(raw, ROOT_DISK_BYTES);
    await run("mkfs.ext4", ["-q", "-F", "-L", "rootfs", "-d", rootfs, raw], {
      timeoutMs: DISK_BUILD_TIMEOUT_MS,
    });
    await run("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", raw, inPartial(base.disk)], {
      timeoutMs: DISK_BUILD_TIMEOUT_MS,
    });
    fs.rmSync(raw);
    fs.copyFileSync(bootFile(rootfs, "vmlinuz"), inPartial(base.kernel));
    fs.copyFileSync(bootFile(rootfs, "initrd.img"), inPartial(base.initrd));
    fs.renameSync(partial, base.dir);
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    // Another builder got there first: its disk is complete, use it.
    if (fs.existsSync(base.dir) && isRenameClash(err)) return;
    throw err;
  }
}

function isRenameClash(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOTEMPTY" || code === "EEXIST";
}

/** Scratch folders of disk builders that died (their PID is in the name). */
function removeStalePartials(imageDir: string): void {
  for (const n of fs.readdirSync(imageDir)) {
    const m = /^\.disk-partial-(\d+)$/.exec(n);
    if (m && !isProcessAlive(Number(m[1])))
      fs.rmSync(path.join(imageDir, n), { recursive: true, force: true });
  }
}

/**
 * The root filesystem's current kernel (or initrd): Debian keeps /vmlinuz and /initrd.img
 * pointing at the newest one; without those links, the highest version in /boot.
 */
export function bootFile(rootfs: string, name: "vmlinuz" | "initrd.img"): string {
  try {
    const target = fs.readlinkSync(path.join(rootfs, name));
    // Relative (boot/vmlinuz-…) or absolute (/boot/vmlinuz-…): both are inside the rootfs.
    const resolved = path.join(rootfs, target);
    if (fs.existsSync(resolved)) return resolved;
  } catch {
    // No link: look in /boot.
  }
  const boot = path.join(rootfs, "boot");
  const found = (fs.existsSync(boot) ? fs.readdirSync(boot) : [])
    .filter((n) => n.startsWith(`${name}-`))
    .sort((a, b) => b.localeCompare(a, "en", { numeric: true }));
  if (!found[0]) {
    throw new UserError("qemu_no_kernel", `The image has no ${name} (looked in ${boot}).`, {
      hint: "Rebuild the image: spuff image build --force",
    });
  }
  return path.join(boot, found[0]);
}
