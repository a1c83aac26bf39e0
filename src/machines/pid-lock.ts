/**
 * A lock file that holds its owner's PID, created with O_EXCL. A lock whose owner died is taken
 * over; one with no PID yet and a fresh mtime is being written, not abandoned. Each caller says
 * what a live holder means for it: `throw` (a second `image build` is refused with the holder's
 * PID) or `wait` (a machine start waits for the builder of a shared disk, and stops waiting once
 * `done()` says the work it wanted exists).
 */
import fs from "node:fs";
import { isProcessAlive } from "./procs.ts";

/** A lock younger than this with no PID in it yet is being written, not abandoned. */
const WRITE_GRACE_MS = 5000;

export type PidLockTry = { release: () => void } | { holder: number | undefined };

/** One attempt: the lock, or who holds it (undefined: being written by someone). */
export function tryPidLock(file: string): PidLockTry {
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: "wx", mode: 0o644 });
      // Only our own lock is removed: a holder that took over a lock we lost keeps it.
      return { release: () => readText(file) === mine && fs.rmSync(file, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number.parseInt(readText(file), 10) || undefined;
    if (holder === undefined && Date.now() - mtimeMs(file) < WRITE_GRACE_MS) return { holder };
    if (isProcessAlive(holder)) return { holder };
    fs.rmSync(file, { force: true }); // left by an owner that died: take it over
  }
  return { holder: undefined };
}

export type PidLockOptions =
  | { busy: "throw"; error: (holder: number | undefined) => Error }
  | {
      busy: "wait";
      timeoutMs: number;
      pollMs?: number;
      /** Checked before each attempt: true ends the wait without the lock (the work is done). */
      done?: () => boolean;
      error: (holder: number | undefined) => Error;
    };

/** The lock's release function, or undefined when `done()` turned true while waiting. */
export async function acquirePidLock(file: string, o: PidLockOptions): Promise<(() => void) | undefined> {
  if (o.busy === "throw") {
    const r = tryPidLock(file);
    if ("release" in r) return r.release;
    throw o.error(r.holder);
  }
  const deadline = Date.now() + o.timeoutMs;
  const pollMs = o.pollMs ?? 500;
  for (let attempt = 0; attempt <= o.timeoutMs / pollMs + 1; attempt++) {
    if (o.done?.()) return undefined;
    const r = tryPidLock(file);
    if ("release" in r) return r.release;
    if (Date.now() > deadline) throw o.error(r.holder);
    await new Promise((res) => setTimeout(res, pollMs));
  }
  throw o.error(undefined);
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
