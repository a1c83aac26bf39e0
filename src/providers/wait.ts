/**
 * The one polling helper (habit 7). Starts fast so a resource that is already ready is seen in
 * ~100 ms, then backs off so a slow one does not hammer the API.
 */
import type { Clock } from "../core/clock.ts";
import { TimeoutError } from "../core/errors.ts";

export interface Backoff {
  initialMs: number;
  factor: number;
  maxMs: number;
}

// ×1.3 (not ×1.5) keeps intervals under ~0.5 s for the first 2 s, where short boots land, while
// reaching the 2 s cap after ~8 s so long boots cost few extra API calls (see BENCHMARKS.md).
export const DEFAULT_BACKOFF: Backoff = { initialMs: 100, factor: 1.3, maxMs: 2_000 };

/** For provider actions that take minutes (snapshots, deletes): fewer calls, a 5 s cap. */
export const ACTION_BACKOFF: Backoff = { initialMs: 500, factor: 1.5, maxMs: 5_000 };

/** How long a snapshot may take before we stop waiting (large disks take many minutes). */
export const SNAPSHOT_TIMEOUT_MS = 30 * 60_000;

export interface WaitForOptions<T> {
  /** Fetch the current value (one API call). */
  poll: () => Promise<T>;
  isDone: (value: T) => boolean;
  clock: Clock;
  timeoutMs: number;
  /** Used in the TimeoutError message, e.g. "droplet 123 to become active". */
  what: string;
  backoff?: Backoff;
  signal?: AbortSignal;
  onProgress?: (value: T, attempt: number) => void;
  /**
   * A poll that fails with a retryable error (rate limit, 5xx, network: `retryable: true`, after
   * the HTTP layer's own retries) counts as "not done yet" instead of ending a wait that still
   * has time: one unlucky poll must not fail a minutes-long wait. At the deadline the last such
   * error is thrown.
   */
  tolerateRetryable?: boolean;
}

const isRetryable = (err: unknown): boolean => (err as { retryable?: unknown } | null)?.retryable === true;

/** Resolves with the first value `isDone` accepts; TimeoutError after `timeoutMs`. */
export async function waitFor<T>(o: WaitForOptions<T>): Promise<T> {
  const b = o.backoff ?? DEFAULT_BACKOFF;
  const start = o.clock.now();
  let interval = b.initialMs;
  for (let attempt = 1; ; attempt++) {
    if (o.signal?.aborted) throw o.signal.reason;
    let failed: unknown;
    try {
      const value = await o.poll();
      o.onProgress?.(value, attempt);
      if (o.isDone(value)) return value;
    } catch (err) {
      if (!o.tolerateRetryable || !isRetryable(err)) throw err;
      failed = err;
    }
    const elapsed = o.clock.now() - start;
    if (elapsed >= o.timeoutMs) throw failed ?? new TimeoutError(`waiting for ${o.what}`, elapsed);
    // Never sleep past the deadline: one last poll happens right at it.
    await o.clock.sleep(Math.min(interval, o.timeoutMs - elapsed), o.signal);
    interval = Math.min(b.maxMs, interval * b.factor);
  }
}
