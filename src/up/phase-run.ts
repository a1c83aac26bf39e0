/**
 * One `up` in progress: which phase runs (for the events, the record's `phase` column and the
 * failure message), the intent record, a create request in flight and the open connection, which
 * is everything the failure and Ctrl-C settlement (up/failure.ts) needs to know.
 */
import type { Clock } from "../core/clock.ts";
import type { ProviderInstance } from "../providers/types.ts";
import type { InstanceStore } from "../state/instances.ts";
import { untilAborted } from "./interrupt.ts";
import type { PhaseEvent, UpPhase } from "./phases.ts";
import type { UpConnection } from "./ssh-ops.ts";

export interface PhaseRunDeps {
  store: InstanceStore;
  clock: Clock;
  onEvent(e: PhaseEvent): void;
  /** Aborted by Ctrl-C/SIGTERM (up/interrupt.ts): the phase stops, `up` rejects with the reason. */
  signal?: AbortSignal;
}

export class PhaseRun<C extends UpConnection> {
  readonly started: number;
  current: UpPhase = "generate_cloud_config";
  currentStarted: number;
  recordId: string | undefined;
  conn: C | undefined;
  pendingCreate: Promise<ProviderInstance> | undefined;

  constructor(private readonly d: PhaseRunDeps) {
    this.started = d.clock.now();
    this.currentStarted = this.started;
  }

  /**
   * Run one phase: start event, the record's phase, the work (abandoned at once on Ctrl-C), then
   * done (or failed, when `failedIf` says the result is a failure that is not thrown; `cached`
   * when `cachedIf` says a prebuild had done the work).
   */
  async phase<T>(
    name: UpPhase,
    work: () => Promise<T>,
    detail?: (r: T) => string,
    failedIf?: (r: T) => boolean,
    cachedIf?: (r: T) => boolean,
  ): Promise<T> {
    const { clock, onEvent, store } = this.d;
    this.current = name;
    const t0 = clock.now();
    this.currentStarted = t0;
    onEvent({ phase: name, status: "start" });
    if (this.recordId) store.update(this.recordId, { phase: name });
    const r = await untilAborted(work(), this.d.signal);
    const failed = failedIf?.(r) === true;
    onEvent({
      phase: name,
      status: failed ? "failed" : "done",
      ms: clock.now() - t0,
      ...(detail ? { detail: detail(r) } : {}),
      ...(!failed && cachedIf?.(r) ? { cached: true } : {}),
    });
    return r;
  }

  /** A detail update while `phase` runs. */
  progress(phase: UpPhase, detail: string): void {
    this.d.onEvent({ phase, status: "progress", detail });
  }

  /** The failed event of the phase that was running. */
  failed(detail: string): void {
    this.d.onEvent({
      phase: this.current,
      status: "failed",
      ms: this.d.clock.now() - this.currentStarted,
      detail,
    });
  }
}
