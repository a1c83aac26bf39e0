/**
 * `logs -f` on top of an agent that only answers "the last N lines": poll a window of the tail and
 * print what was appended since the previous window. The agent keeps no per-client offset, so the
 * appended part is found by overlap: the longest suffix of the previous window that is a prefix
 * of the new one. A burst larger than the window, or a truncated/rotated file, shows up as no
 * overlap, and then the whole new window is printed (nothing silently skipped within it).
 */
import type { Clock } from "../core/clock.ts";

/** Lines of `next` that come after `prev`, assuming `next` is a later tail of the same file. */
export function appendedLines(prev: readonly string[], next: readonly string[]): string[] {
  if (prev.length === 0) return [...next];
  // Try the longest possible overlap first: the fewest lines count as new.
  for (let k = Math.min(prev.length, next.length); k > 0; k--) {
    let same = true;
    for (let i = 0; i < k && same; i++) same = prev[prev.length - k + i] === next[i];
    if (same) return next.slice(k);
  }
  return [...next];
}

export interface FollowOptions {
  /** One tail of the log, at most `window` lines. */
  fetchTail: (window: number) => Promise<string[]>;
  emit: (lines: string[]) => void;
  clock: Clock;
  signal: AbortSignal;
  /** Lines shown before following (like `tail -n`). */
  initial: number;
  /** Lines fetched per poll; a burst beyond this between two polls is reported whole, not merged. */
  window?: number;
  intervalMs?: number;
}

export const FOLLOW_WINDOW = 1000;
export const FOLLOW_INTERVAL_MS = 1000;

/** Polls until `signal` aborts; resolves then (a fetch in flight is waited for, not abandoned). */
export async function followLogs(o: FollowOptions): Promise<void> {
  const window = Math.max(o.window ?? FOLLOW_WINDOW, o.initial);
  let prev = await o.fetchTail(window);
  const first = prev.slice(-o.initial);
  if (first.length > 0) o.emit(first);
  while (!o.signal.aborted) {
    try {
      await o.clock.sleep(o.intervalMs ?? FOLLOW_INTERVAL_MS, o.signal);
    } catch {
      return; // aborted while sleeping
    }
    const next = await o.fetchTail(window);
    const fresh = appendedLines(prev, next);
    if (fresh.length > 0) o.emit(fresh);
    prev = next;
  }
}
