/**
 * When simulated resources change state. Nothing is scheduled: state is derived from the clock
 * at read time, so a fake clock drives it deterministically and real time needs no timers.
 */
import type { Clock } from "../core/clock.ts";

export interface TimelineOptions {
  clock: Clock;
  /** new → active (with IP) after this long (default 500 ms). */
  activeAfterMs?: number;
  /** in-progress → completed for actions such as snapshots (default 300 ms). */
  actionAfterMs?: number;
}

export class Timeline {
  readonly activeAfterMs: number;
  readonly actionAfterMs: number;

  constructor(private readonly opts: TimelineOptions) {
    this.activeAfterMs = opts.activeAfterMs ?? 500;
    this.actionAfterMs = opts.actionAfterMs ?? 300;
  }

  now(): number {
    return this.opts.clock.now();
  }

  isActive(createdAt: number): boolean {
    return this.now() >= createdAt + this.activeAfterMs;
  }

  actionDone(startedAt: number): boolean {
    return this.now() >= startedAt + this.actionAfterMs;
  }
}
