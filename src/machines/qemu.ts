/**
 * The qemu driver: a real VM with its own kernel, booted directly (kernel + initrd) from a disk
 * made once per image from its root filesystem, with a per-machine copy-on-write overlay and a
 * NoCloud seed ISO. QEMU's user-mode network forwards 127.0.0.N:22 to the guest's sshd and
 * nothing else. TCG by default; KVM only when a kernel was seen to boot under it, since /dev/kvm
 * can exist and still not run a stock kernel (kvm_pvm; see local-machines.md §A, §B).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import type { MachineDriver, StartContext } from "./driver.ts";
import { requireImage } from "./image.ts";
import type { MachineLayout } from "./layout.ts";
import { isProcessAlive, pidsMentioning, stopProcesses } from "./procs.ts";
import { run } from "./run.ts";
import { writeSeedDir } from "./seed.ts";

const QEMU = "qemu-system-x86_64";
/** Virtual size of the root disk; the image's files take ~1 GB of it. */
export const ROOT_DISK_BYTES = 4 * 1024 ** 3;
export const DEFAULT_MEMORY_MB = 1024;
const SMP = 2;
/** How long a starter waits for another process that is building the same image's disk. */
const DISK_LOCK_WAIT_MS = 10 * 60_000;
/** mkfs.ext4 -d and qemu-img convert of ~1 GB took 6–25 s; a slow disk gets much more. */
const DISK_BUILD_TIMEOUT_MS = 15 * 60_000;
/** qemu -daemonize returns once the VM is set up (disks opened, port forward bound). */
const LAUNCH_TIMEOUT_MS = 30_000;
/** qemu exits at once on SIGTERM; the overlay is thrown away, so no clean poweroff is needed. */
const STOP_GRACE_MS = 5000;
/** A kernel under working KVM boots to its root-mount panic in ~1 s (TCG: ~7 s). */
const PROBE_DEADLINE_S = 15;

export type Accel = "tcg" | "kvm";

/** An image's bootable form, built once and shared (read-only) by all its machines. */
export interface BaseDisk {
  dir: string;
  disk: string;
  kernel: string;
  initrd: string;
}

/** Per-machine files, all inside the machine's folder (which is how teardown finds qemu). */
export interface MachineFiles {
  disk: string;
  seedDir: string;
  seedIso: string;
  console: string;
  log: string;
  pidfile: string;
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

export function machineFiles(machineDir: string): MachineFiles {
  const f = (name: string) => path.join(machineDir, name);
  return {
    disk: f("disk.qcow2"),
    seedDir: f("seed"),
    seedIso: f("seed.iso"),
    console: f("console.log"),
    log: f("qemu.log"),
    pidfile: f("qemu.pid"),
  };
}

/** qemu's -name for a machine: also how teardown finds it by command line. */
const vmName = (id: string) => `spuff-${id}`;

export function accelArgs(accel: Accel): string[] {
  return accel === "kvm"
    ? ["-accel", "kvm", "-cpu", "host"]
    : // Without tb-size the translation cache is 1 GiB and host RSS doubles (pitfall 6).
      ["-accel", "tcg,thread=multi,tb-size=256", "-cpu", "max"];
}

export interface VmSpec {
  id: string;
  /** 127.0.0.N: the only host address qemu binds (guest :22 is forwarded there). */
  address: string;
  memoryMb?: number;
  accel: Accel;
  base: BaseDisk;
  files: MachineFiles;
}

/** The full qemu command line of a machine (after the program name). */
export function qemuArgs(vm: VmSpec): string[] {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(vm.address)) {
    throw new UserError(
      "qemu_bad_address",
      `Refusing to forward SSH on ${vm.address}: not a loopback address.`,
    );
  }
  return [
    "-name",
    vmName(vm.id),
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    ...accelArgs(vm.accel),
    "-smp",
    String(SMP),
    "-m",
    String(vm.memoryMb ?? DEFAULT_MEMORY_MB),
    "-kernel",
    vm.base.kernel,
    "-initrd",
    vm.base.initrd,
    "-append",
    "root=/dev/vda rw console=ttyS0 net.ifnames=0",
    "-drive",
    `file=${vm.files.disk},if=virtio,format=qcow2`,
    "-drive",
    `file=${vm.files.seedIso},if=virtio,format=raw,readonly=on`,
    "-netdev",
    `user,id=n0,hostfwd=tcp:${vm.address}:22-:22`,
    "-device",
    "virtio-net-pci,netdev=n0",
    "-serial",
    `file:${vm.files.console}`,
    "-pidfile",
    vm.files.pidfile,
    "-daemonize",
  ];
}

export const qemuDriver: MachineDriver = {
  name: "qemu",

  async start({ layout, record, seed, save }: StartContext) {
    const image = requireImage(layout, record.image);
    if (image.kind !== "base") {
      throw new UserError(
        "qemu_snapshot_unsupported",
        `Image ${record.image} is a snapshot image; the qemu backend can only boot base images for now.`,
        { hint: "Use the nspawn backend for snapshot images." },
      );
    }
    const base = await ensureBaseDisk(layout, record.image);
    const accel = await resolveAccel(accelCacheFile(layout), base.kernel);
    const files = machineFiles(layout.machineDir(record.id));

    // The real path: the overlay must not depend on how the data dir was reached (symlinks).
    const backing = fs.realpathSync(base.disk);
    await run("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", backing, files.disk]);
    writeSeedDir(files.seedDir, seed);
    await run("genisoimage", [
      "-quiet",
      "-output",
      files.seedIso,
      "-volid",
      "cidata",
      "-joliet",
      "-rock",
      ...Object.keys(seed).map((name) => path.join(files.seedDir, name)),
    ]);

    const args = qemuArgs({
      id: record.id,
      address: record.address,
      memoryMb: record.memoryMb,
      accel,
      base,
      files,
    });
    const code = await runToExit(QEMU, args, files.log, LAUNCH_TIMEOUT_MS);
    const pid = readPid(files.pidfile);
    if (pid) save({ pid });
    if (code !== 0 || !isProcessAlive(pid)) {
      const why = code === "timeout" ? "timed out" : code === 0 ? "exited after starting" : `exit ${code}`;
      // After daemonizing qemu's own output goes nowhere; the guest's console tells the rest.
      const output = tail(files.log) || tail(files.console);
      throw new UserError("qemu_failed", `qemu did not start (${why}):\n${output}`, {
        hint: output.includes("host forwarding")
          ? `Is ${record.address}:22 already in use? Check with: ss -ltn`
          : `Logs: ${files.log}, ${files.console}`,
      });
    }
  },

  async teardown(layout, id) {
    // qemu's command line names the machine twice: its folder (disk, seed, console) and its -name,
    // which still matches when the data dir is reached by another path. That finds it whether or
    // not a PID was saved (a creator killed before saving it), and unlike a recorded PID it
    // cannot hit an unrelated process that reused the number after qemu died.
    const dir = layout.machineDir(id);
    const found = [...pidsMentioning(`${dir}/`), ...pidsMentioning(`-name ${vmName(id)} `)];
    await stopProcesses([...new Set(found)], STOP_GRACE_MS);
  },

  async saveLayer() {
    throw new UserError("qemu_snapshot_unsupported", "Snapshots of qemu machines are not supported yet.", {
      hint: "Use the nspawn backend for machines you want to snapshot.",
    });
  },
};

// ---------------------------------------------------------------------------------------------
// The per-image disk

/**
 * The image's disk, kernel and initrd, built on first use. Built in a scratch folder and renamed
 * into place, so a half-built disk is never used; a lock file (holding the builder's PID) keeps
 * concurrent starters from building it twice, and one left by a killed builder is taken over.
 * Even if two builders race past the lock, each builds in its own folder and only the first
 * rename wins: the disk in place never changes under a running machine.
 */
export async function ensureBaseDisk(layout: MachineLayout, imageName: string): Promise<BaseDisk> {
  const imageDir = layout.imageDir(imageName);
  const base = baseDiskOf(imageDir);
  const lock = path.join(imageDir, ".disk.lock");
  const deadline = Date.now() + DISK_LOCK_WAIT_MS;
  for (let attempt = 0; attempt < 10_000; attempt++) {
    if (fs.existsSync(base.dir)) return base;
    const release = tryLock(lock);
    if (release) {
      try {
        if (!fs.existsSync(base.dir)) await buildBaseDisk(imageDir, base);
        return base;
      } finally {
        release();
      }
    }
    if (Date.now() > deadline) break;
    await sleep(500);
  }
  throw new UserError(
    "qemu_disk_locked",
    `Gave up waiting for another process to build the disk of ${imageName}.`,
    {
      hint: `If no spuff process is running, remove ${lock} and try again.`,
    },
  );
}

/** A lock younger than this with no PID in it yet is being written, not abandoned. */
const LOCK_WRITE_GRACE_MS = 5000;

function tryLock(lock: string): (() => void) | undefined {
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, mine, { flag: "wx", mode: 0o644 });
      return () => {
        if (readText(lock) === mine) fs.rmSync(lock, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number(readText(lock));
    const writing = !holder && Date.now() - mtimeMs(lock) < LOCK_WRITE_GRACE_MS;
    if (writing || isProcessAlive(holder)) return undefined;
    fs.rmSync(lock, { force: true }); // left by a builder that died: take it over
  }
  return undefined;
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

// ---------------------------------------------------------------------------------------------
// Accelerator: KVM only when it was seen to boot a kernel here

export interface AccelVerdict {
  accel: Accel;
  /** What the probe saw, for people wondering why their VM is slow. */
  reason: string;
  checkedAt: string;
}

export interface AccelDeps {
  env?: NodeJS.ProcessEnv;
  /** Host kernel release (`uname -r`): part of the cache key. */
  release?: string;
  kvmDevice?: string;
  probe?: (kernel: string) => Promise<AccelVerdict>;
}

/** Next to the images (shared with data dirs that link their images/ to the same place). */
export function accelCacheFile(layout: MachineLayout): string {
  return path.join(layout.imagesDir, ".qemu-accel.json");
}

/** Cache key: the kernel's content (not its path) and the host kernel. */
export function accelCacheKey(kernel: string, release: string): string {
  const digest = createHash("sha256").update(fs.readFileSync(kernel)).digest("hex").slice(0, 16);
  return `${digest}@${release}`;
}

/** SPUFF_QEMU_ACCEL=tcg|kvm, else the cached verdict for this kernel and host, else a probe boot. */
export async function resolveAccel(cacheFile: string, kernel: string, deps: AccelDeps = {}): Promise<Accel> {
  const env = deps.env ?? process.env;
  const forced = env.SPUFF_QEMU_ACCEL;
  if (forced !== undefined && forced !== "") {
    if (forced === "tcg" || forced === "kvm") return forced;
    throw new UserError("qemu_bad_accel", `SPUFF_QEMU_ACCEL=${JSON.stringify(forced)} is not tcg or kvm.`, {
      hint: "Unset it to detect the accelerator, or set tcg or kvm.",
    });
  }
  // No device: nothing to probe, and nothing to cache (a later-loaded module gets its probe).
  if (!fs.existsSync(deps.kvmDevice ?? "/dev/kvm")) return "tcg";
  const key = accelCacheKey(kernel, deps.release ?? os.release());
  const cached = readAccelCache(cacheFile)[key];
  if (cached?.accel === "tcg" || cached?.accel === "kvm") return cached.accel;
  const verdict = await (deps.probe ?? probeKvm)(kernel);
  const all = { ...readAccelCache(cacheFile), [key]: verdict };
  writeFileAtomic(cacheFile, `${JSON.stringify(all, null, 2)}\n`, 0o644);
  return verdict.accel;
}

function readAccelCache(file: string): Record<string, AccelVerdict | undefined> {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    return parsed && typeof parsed === "object" ? (parsed as Record<string, AccelVerdict>) : {};
  } catch {
    return {};
  }
}

/**
 * The probe boots the kernel alone (no initrd, no disk) under KVM: a working KVM takes it to the
 * "cannot mount root" panic in about a second, where panic=-1 and -no-reboot make qemu exit 0.
 */
export function probeArgs(kernel: string, consoleLog: string): string[] {
  return [
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    "-no-reboot",
    ...accelArgs("kvm"),
    "-smp",
    "1",
    "-m",
    "256",
    "-kernel",
    kernel,
    "-append",
    "console=ttyS0 panic=-1",
    "-serial",
    `file:${consoleLog}`,
  ];
}

/** KVM works when the kernel ran its whole boot: first line printed, panicked, and qemu exited. */
export function judgeProbe(consoleText: string, exit: number | "timeout", qemuLog: string): AccelVerdict {
  const checkedAt = new Date().toISOString();
  const booted = consoleText.includes("Linux version") && consoleText.includes("Kernel panic");
  if (exit === 0 && booted) return { accel: "kvm", reason: "a kernel booted under KVM", checkedAt };
  const why =
    exit === "timeout"
      ? `the kernel did not finish booting under KVM within ${PROBE_DEADLINE_S} s${
          consoleText.includes("Linux version") ? "" : " (no output at all)"
        }`
      : `qemu -accel kvm exited ${exit}${qemuLog.trim() ? `: ${qemuLog.trim().split("\n")[0]}` : ""}`;
  return { accel: "tcg", reason: why, checkedAt };
}

async function probeKvm(kernel: string): Promise<AccelVerdict> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-kvm-probe-"));
  const consoleLog = path.join(dir, "console.log");
  const log = path.join(dir, "qemu.log");
  try {
    // timeout(1) bounds the probe even if this process is killed while waiting for it.
    const exit = await runToExit(
      "timeout",
      ["--kill-after=2", String(PROBE_DEADLINE_S), QEMU, ...probeArgs(kernel, consoleLog)],
      log,
      (PROBE_DEADLINE_S + 5) * 1000,
    );
    // timeout(1) exits 124 when it stopped qemu (137 if it had to SIGKILL it).
    const timedOut = exit === "timeout" || exit === 124 || exit === 137;
    return judgeProbe(readText(consoleLog), timedOut ? "timeout" : exit, readText(log));
  } finally {
    await stopProcesses(pidsMentioning(dir), 1000);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Runs a program with stdout and stderr appended to `logFile`; its exit code, or "timeout". */
function runToExit(
  cmd: string,
  args: string[],
  logFile: string,
  timeoutMs: number,
): Promise<number | "timeout"> {
  const out = fs.openSync(logFile, "a", 0o600);
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, { stdio: ["ignore", out, out] });
  } finally {
    fs.closeSync(out);
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve("timeout");
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      fs.appendFileSync(logFile, `${err.message}\n`);
      resolve(-1);
    });
    child.on("exit", (code, sig) => {
      clearTimeout(timer);
      resolve(code ?? (sig ? 128 + (os.constants.signals[sig] ?? 0) : -1));
    });
  });
}

function readPid(pidfile: string): number | undefined {
  const pid = Number.parseInt(readText(pidfile), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function mtimeMs(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function tail(file: string, lines = 10): string {
  return readText(file).trimEnd().split("\n").slice(-lines).join("\n");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
