/**
 * Who is creating an instance. `up` stamps its intent record with its own process identity; `gc`
 * and the reaper leave a record alone while that process lives, because until the provider id
 * comes back only that process can tell whether an instance exists. A PID alone could be reused
 * by an unrelated process after a crash, so on Linux the kernel's boot id and the PID's start
 * time are stored too and must match.
 */
import fs from "node:fs";
import os from "node:os";
import type { InstanceOwner, InstanceRecord } from "./types.ts";

/**
 * How long a record without a usable owner (written before schema v3, or by another host sharing
 * the state directory) counts as in progress after its last update. `up` updates the record at
 * every phase, and no phase waits this long.
 */
export const OWNERLESS_LEASE_MS = 60 * 60_000;

/** Linux: "<boot id>:<start time in clock ticks>" of a PID, or null (other platforms, gone). */
export function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (comm) may hold spaces and parentheses: count fields after the last ")".
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const startTicks = rest[19]; // field 22 overall
    const boot = fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    return startTicks ? `${boot}:${startTicks}` : null;
  } catch {
    return null;
  }
}

export function currentOwner(): InstanceOwner {
  return { pid: process.pid, host: os.hostname(), start: processStart(process.pid) };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else (still alive).
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when the owner process still runs (same host) — a PID reused by another process is not it. */
export function ownerAlive(owner: InstanceOwner, host: string = os.hostname()): boolean | "unknown" {
  if (owner.host !== host) return "unknown";
  if (!pidAlive(owner.pid)) return false;
  if (owner.start === null) return true;
  const now = processStart(owner.pid);
  return now === null ? true : now === owner.start;
}

/**
 * Is some process still working on this record? `up` sets the owner and clears it when it ends, so
 * an owner means "in progress while that process lives". Where that cannot be checked (another
 * host) or a creating record has no owner (written before schema v3), the record counts as in
 * progress while it was updated within OWNERLESS_LEASE_MS.
 */
export function inProgress(
  rec: Pick<InstanceRecord, "owner" | "updatedAt" | "status">,
  nowMs: number,
  host: string = os.hostname(),
): boolean {
  if (rec.owner) {
    const alive = ownerAlive(rec.owner, host);
    if (alive !== "unknown") return alive;
  } else if (rec.status !== "creating" && rec.status !== "provisioning") {
    return false;
  }
  return nowMs - Date.parse(rec.updatedAt) < OWNERLESS_LEASE_MS;
}
