/**
 * Keeping `tunnel --auto` connected: when the SSH connection drops, connect again after 1, 2, 4 …
 * seconds (capped), a bounded number of times in a row, then give up with the last reason. Time
 * comes from the injected clock; Ctrl-C ends a wait at once.
 */
import type { Clock } from "../core/clock.ts";

export interface BackoffPolicy {
  /** Consecutive failed attempts allowed before giving up. */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

/** 1 + 2 + 4 + 8 + 15 + 15 s: about 45 s of trying before the tunnel gives up. */
export const TUNNEL_BACKOFF: BackoffPolicy = { attempts: 6, baseMs: 1_000, maxMs: 15_000 };

/** The wait before attempt `n` (1-based): doubling from baseMs, never above maxMs. */
export function backoffDelayMs(p: BackoffPolicy, n: number): number {
  return Math.min(p.maxMs, p.baseMs * 2 ** Math.max(0, n - 1));
}

/** Sleeps `ms` on the clock; false when `signal` aborted first (the sleep is then abandoned). */
export async function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  let onAbort = () => {};
  const aborted = new Promise<false>((resolve) => {
    onAbort = () => resolve(false);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([
      clock.sleep(ms, signal).then(
        () => !signal.aborted,
        () => false,
      ),
      aborted,
    ]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** How one connected stretch ended: lost (and whether it had worked before that). */
export interface SessionEnd {
  lost: Error;
  /** It did its job for a while (the counter of failures starts again). */
  healthy: boolean;
}

export interface Retry {
  attempt: number;
  of: number;
  delayMs: number;
  reason: Error;
}

export interface KeepConnected<C> {
  clock: Clock;
  policy: BackoffPolicy;
  signal: AbortSignal;
  connect(): Promise<C>;
  /** Runs on one connection; undefined when stopped by the signal, else why it ended. */
  session(conn: C): Promise<SessionEnd | undefined>;
  /** An error that retrying cannot fix (a changed host key): thrown at once. */
  fatal(err: unknown): boolean;
  onRetry(r: Retry): void;
  onReconnected(): void;
  /** The error to throw once `policy.attempts` attempts in a row have failed. */
  giveUp(reason: Error, attempts: number): Error;
}

/** Sessions on `first`, then on new connections, until the signal or too many failures in a row. */
export async function keepConnected<C>(k: KeepConnected<C>, first: C): Promise<void> {
  let conn: C | undefined = first;
  let failures = 0;
  let reason = new Error("not connected");
  for (;;) {
    if (conn !== undefined) {
      const end = await k.session(conn);
      if (end === undefined) return;
      if (end.healthy) failures = 0;
      reason = end.lost;
    }
    if (k.signal.aborted) return;
    failures++;
    if (failures > k.policy.attempts) throw k.giveUp(reason, k.policy.attempts);
    const delayMs = backoffDelayMs(k.policy, failures);
    k.onRetry({ attempt: failures, of: k.policy.attempts, delayMs, reason });
    if (!(await pause(k.clock, delayMs, k.signal))) return;
    try {
      conn = await k.connect();
      k.onReconnected();
    } catch (err) {
      if (k.fatal(err)) throw err;
      conn = undefined;
      reason = err instanceof Error ? err : new Error(String(err));
    }
  }
}
