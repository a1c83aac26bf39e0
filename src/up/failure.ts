/**
 * How a failed or interrupted `up` ends. Interrupted (Ctrl-C/SIGTERM): a create in flight is
 * awaited so its id lands in state, then the command decides destroy or keep
 * (commands/up-interrupted.ts). Failed: the record is settled (settleFailedRecord) and the error
 * names the phase, with cloud-init's last lines when a connection was open.
 */
import { isSpuffError, UserError } from "../core/errors.ts";
import type { Provider, ProviderInstance } from "../providers/types.ts";
import type { InstanceStore } from "../state/instances.ts";
import { stopInterrupted } from "./interrupt.ts";
import type { PhaseRun } from "./phase-run.ts";
import type { UpPhase } from "./phases.ts";
import type { UpConnection, UpSshOps } from "./ssh-ops.ts";

/** Where `up` stopped: the phase, the cause's own hint, and the last cloud-init lines if any. */
export class UpFailedError extends UserError {
  constructor(
    phase: UpPhase,
    cause: unknown,
    o: { cloudInitTail?: string; instanceKept: boolean; name?: string },
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const tail = o.cloudInitTail ? `\n--- last cloud-init output ---\n${o.cloudInitTail}` : "";
    const causeHint = isSpuffError(cause) ? cause.hint : undefined;
    // The record's name whenever one is kept (it is in state); "spuff list" names it otherwise.
    const who = o.name ?? "<name from spuff list>";
    const kept = o.instanceKept
      ? `The instance is kept for inspection: \`spuff status ${who}\`, then \`spuff down ${who}\` to remove it.`
      : undefined;
    super("up_failed", `spuff up failed during ${phase}: ${why}${tail}`, {
      cause,
      hint: [causeHint, kept].filter(Boolean).join("\n") || undefined,
      details: { phase, instance_kept: o.instanceKept },
    });
  }
}

/** The error `up` rethrows after `err` stopped the phase `run.current`, state settled. */
export async function failUp<C extends UpConnection>(
  run: PhaseRun<C>,
  err: unknown,
  d: { store: InstanceStore; provider: Provider; ssh: UpSshOps<C>; signal?: AbortSignal },
): Promise<Error> {
  // Interrupted: no failure settlement; the command asks (or decides) whether to destroy or keep.
  if (d.signal?.aborted) return stopInterrupted(run, d.store);
  run.failed(err instanceof Error ? err.message : String(err));
  const tail = run.conn ? await d.ssh.cloudInitTail(run.conn) : undefined;
  const name = run.recordId ? d.store.get(run.recordId)?.name : undefined;
  await run.conn?.close();
  const instanceKept = run.recordId ? await settleFailedRecord(d, run.recordId, err) : false;
  return err instanceof UpFailedError
    ? err
    : new UpFailedError(run.current, err, { cloudInitTail: tail, instanceKept, name });
}

/**
 * After a failure: if the provider never returned an id, ask it whether an instance of that name
 * exists anyway (a lost create response). None → the intent record is dropped; one → the record
 * keeps its id, marked failed, so `down` can remove it. Returns whether an instance exists.
 */
export async function settleFailedRecord(
  i: { store: InstanceStore; provider: Provider },
  recordId: string,
  err: unknown,
): Promise<boolean> {
  const error = err instanceof Error ? err.message : String(err);
  const rec = i.store.get(recordId);
  if (!rec) return false;
  if (!rec.providerId) {
    let listing: ProviderInstance[] | undefined;
    try {
      listing = await i.provider.listInstances();
    } catch {
      listing = undefined; // Unknown: keep the intent record, gc reconciles later.
    }
    const found = listing?.find((x) => x.name === rec.name);
    if (listing && !found) {
      i.store.remove(recordId);
      return false;
    }
    if (found) {
      i.store.update(recordId, { providerId: found.id, ip: found.ip, status: "failed", error, owner: null });
      return true;
    }
  }
  i.store.update(recordId, { status: "failed", error, owner: null });
  return true;
}
