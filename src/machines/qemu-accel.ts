/**
 * Which accelerator a qemu machine gets: KVM only when a kernel was seen to boot under it here,
 * since /dev/kvm can exist and still not run a stock kernel (kvm_pvm; local-machines.md §A, §B).
 * The verdict is cached per kernel content and host kernel release.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import type { MachineLayout } from "./layout.ts";
import { pidsMentioning, stopProcesses } from "./procs.ts";
import { runToExit } from "./run.ts";

export const QEMU = "qemu-system-x86_64";
/** A kernel under working KVM boots to its root-mount panic in ~1 s (TCG: ~7 s). */
const PROBE_DEADLINE_S = 15;

export type Accel = "tcg" | "kvm";

export function accelArgs(accel: Accel): string[] {
  return accel === "kvm"
    ? ["-accel", "kvm", "-cpu", "host"]
    : // Without tb-size the translation cache is 1 GiB and host RSS doubles (pitfall 6).
      ["-accel", "tcg,thread=multi,tb-size=256", "-cpu", "max"];
}

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

function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
