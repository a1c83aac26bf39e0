/**
 * Ctrl-C (SIGINT) and SIGTERM during `spuff up`, in the order it happens:
 * 1. trapInterrupts (commands/up.ts sets it up before applyUp): the first signal aborts.
 * 2. untilAborted: the phase in progress (PhaseRun.phase) stops waiting at once.
 * 3. stopInterrupted (from applyUp's catch, up/failure.ts): the phase is reported "interrupted",
 *    the connection closed, and a create request already sent is still awaited so its id lands
 *    in state (the instance exists whether or not we listen).
 * 4. settleInterrupted (from commands/up-interrupted.ts, which asks on a terminal and renders
 *    the outcome): destroy and forget it, or keep it for `spuff down` later; scripts (--json, no
 *    TTY) always get it destroyed. Either way the command exits 130 and no billable instance is
 *    left that state does not know about.
 */
import { CancelledError, isSpuffError } from "../core/errors.ts";
import { type Interrupt, onInterrupt } from "../core/interrupt.ts";
import { type DiscardOptions, discardInstance } from "../gc/discard.ts";
import type { Provider } from "../providers/types.ts";
import type { InstanceStore } from "../state/instances.ts";
import type { PhaseRun } from "./phase-run.ts";
import type { UpConnection } from "./ssh-ops.ts";

/** The reason `up` stopped early, with the record it had written (if any). */
export class UpInterruptedError extends CancelledError {
  constructor(readonly recordId?: string) {
    super("spuff up interrupted", { details: { record_id: recordId ?? null } });
  }
}

/**
 * Trap the signals for the duration of `up` (core/interrupt aborts on the first). A second signal
 * while cleaning up only says what is happening; a third gives up on the cleanup: the handlers
 * are removed and the signal re-raised, so main.ts (or the default action) ends the process.
 * That is still safe: the intent record is in state before any create, and `spuff gc` finishes
 * the job.
 */
export function trapInterrupts(note: (line: string) => void): Interrupt {
  const first = onInterrupt();
  let count = 0;
  const escalate = (sig: NodeJS.Signals) => {
    count++;
    if (count === 2) note("Still cleaning up (interrupt once more to leave it to `spuff gc`)…\n");
    if (count < 3) return;
    dispose();
    process.kill(process.pid, sig);
  };
  const dispose = () => {
    first.dispose();
    for (const s of ["SIGINT", "SIGTERM"] as const) process.off(s, escalate);
  };
  for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, escalate);
  return { signal: first.signal, received: first.received, dispose };
}

/** `work`, or a rejection with the signal's reason as soon as it is aborted. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * After the abort: the phase is marked interrupted, the connection closed, and if a create was in
 * flight its answer awaited (bounded by the provider's request timeouts) and the id saved, so
 * what follows (destroy or keep) knows the instance. Returns the error `up` rethrows.
 */
export async function stopInterrupted<C extends UpConnection>(
  run: PhaseRun<C>,
  store: InstanceStore,
): Promise<UpInterruptedError> {
  run.failed("interrupted");
  await run.conn?.close();
  const rec = run.recordId ? store.get(run.recordId) : undefined;
  if (rec && !rec.providerId && run.pendingCreate) {
    const created = await run.pendingCreate.catch(() => undefined);
    if (created) store.update(rec.id, { providerId: created.id, status: "provisioning" });
  }
  return new UpInterruptedError(rec?.id);
}

export function isUpInterrupted(err: unknown): err is UpInterruptedError {
  return isSpuffError(err) && err.code === "cancelled" && "recordId" in err;
}

export type InterruptChoice = "destroy" | "keep";

/**
 * Settle an interrupted `up`: destroy + forget (the default, and the only choice without a
 * terminal), or keep (status failed, owner cleared: `spuff list` shows it, `spuff down` ends it).
 */
export async function settleInterrupted(
  err: UpInterruptedError,
  o: {
    store: InstanceStore;
    provider: Provider;
    choose: (name: string, providerId: string | null) => Promise<InterruptChoice>;
  } & Pick<DiscardOptions, "clock" | "goneTimeoutMs">,
): Promise<{ name: string; choice: InterruptChoice; destroyed: string | null } | undefined> {
  const rec = err.recordId ? o.store.get(err.recordId) : undefined;
  if (!rec) return undefined;
  const choice = await o.choose(rec.name, rec.providerId);
  if (choice === "keep") {
    o.store.update(rec.id, { status: "failed", error: err.message, owner: null });
    return { name: rec.name, choice, destroyed: rec.providerId };
  }
  const { destroyed } = await discardInstance(o.provider, o.store, rec, o);
  return { name: rec.name, choice, destroyed };
}
