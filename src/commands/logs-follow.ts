/**
 * `logs -f` by byte offset: the first call returns the tail and the offset just after it; every
 * poll then asks the agent for what was appended since that offset. Each line arrives once, in
 * order, whatever the burst size (a large burst comes in chunks, fetched back to back). A file
 * truncated below the offset is read again from 0, and the agent says so (`reset`).
 */
import type { Clock } from "../core/clock.ts";

export interface Tail {
  lines: string[];
  offset: number;
  /** The last line had no newline yet: it comes again, whole, from `offset`. */
  partial?: boolean;
}

export interface Chunk {
  lines: string[];
  offset: number;
  reset: boolean;
  more: boolean;
}

export interface FollowOptions {
  /** The last `lines` lines and the offset after the last complete one. */
  fetchTail: (lines: number) => Promise<Tail>;
  /** What was appended from `offset` on. */
  fetchFrom: (offset: number) => Promise<Chunk>;
  emit: (lines: string[]) => void;
  /** The file shrank below our offset (truncated or rotated): reading restarts at its start. */
  onReset?: () => void;
  clock: Clock;
  signal: AbortSignal;
  /** Lines shown before following (like `tail -n`). */
  initial: number;
  intervalMs?: number;
}

export const FOLLOW_INTERVAL_MS = 1000;
/** Chunks fetched back to back in one poll at most (1 MiB each on the agent): bounds one round. */
const MAX_CHUNKS_PER_POLL = 64;

/** Polls until `signal` aborts; resolves then (a fetch in flight is waited for, not abandoned). */
export async function followLogs(o: FollowOptions): Promise<void> {
  const tail = await o.fetchTail(o.initial);
  const first = tail.partial ? tail.lines.slice(0, -1) : tail.lines;
  if (first.length > 0) o.emit(first);
  let offset = tail.offset;
  while (!o.signal.aborted) {
    try {
      await o.clock.sleep(o.intervalMs ?? FOLLOW_INTERVAL_MS, o.signal);
    } catch {
      return; // aborted while sleeping
    }
    for (let i = 0; i < MAX_CHUNKS_PER_POLL && !o.signal.aborted; i++) {
      const chunk = await o.fetchFrom(offset);
      if (chunk.reset) o.onReset?.();
      if (chunk.lines.length > 0) o.emit(chunk.lines);
      offset = chunk.offset;
      if (!chunk.more) break;
    }
  }
}
