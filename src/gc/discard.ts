/**
 * Destroy one recorded instance at its provider and forget it: the single removal path shared by
 * `gc`, the deadline reaper and an interrupted `up`. The record goes last, so a failure at any
 * point leaves it in state (status destroying, with the error) for the next `gc`.
 */
import type { Settings } from "../config/resolve.ts";
import type { Clock } from "../core/clock.ts";
import type { Paths } from "../core/paths.ts";
import type { Provider } from "../providers/types.ts";
import { waitGone } from "../providers/wait-gone.ts";
import { hostEntries, syncSshFiles } from "../ssh/sync-files.ts";
import type { InstanceStore } from "../state/instances.ts";
import type { InstanceRecord } from "../state/types.ts";

export interface Discarded {
  /** The provider's id of what was destroyed; null when nothing existed there. */
  destroyed: string | null;
}

export interface DiscardOptions {
  /**
   * The instance to destroy when the caller knows better than the record (gc matched it by name),
   * or null for "nothing exists, only forget". Undefined → the record's provider id, or, without
   * one, the provider is asked for an instance of the record's unique name (a create whose
   * response was lost, or one that landed after the caller last looked).
   */
  instanceId?: string | null;
  clock: Clock;
  /** How long the provider may take to report the destroyed instance gone. */
  goneTimeoutMs: number;
}

/** The same bound `down` uses: provider deletes can take a while to show. */
export const goneTimeoutMs = (s: Settings): number => Math.max(60_000, 2 * s.timeouts.providerApiMs);

export async function discardInstance(
  provider: Provider,
  store: InstanceStore,
  rec: InstanceRecord,
  o: DiscardOptions,
): Promise<Discarded> {
  try {
    let id = o.instanceId === undefined ? rec.providerId : o.instanceId;
    if (o.instanceId === undefined && id === null) {
      id = (await provider.listInstances()).find((x) => x.name === rec.name)?.id ?? null;
    }
    if (id) {
      store.update(rec.id, { status: "destroying", providerId: id });
      await destroyConfirmed(provider, id, o);
    }
    store.remove(rec.id);
    return { destroyed: id };
  } catch (err) {
    // Still marked for destruction, owner cleared: `gc` (or the reaper) finishes the job later.
    store.update(rec.id, {
      status: "destroying",
      error: err instanceof Error ? err.message : String(err),
      owner: null,
    });
    throw err;
  }
}

/** Destroy, then wait for the provider's own word that it is gone (a 204 alone is not proof). */
export async function destroyConfirmed(
  provider: Provider,
  id: string,
  o: Pick<DiscardOptions, "clock" | "goneTimeoutMs">,
): Promise<void> {
  await provider.destroyInstance(id);
  await waitGone(provider, id, { clock: o.clock, timeoutMs: o.goneTimeoutMs });
}

/** After records were forgotten: their Host blocks and pinned keys leave spuff's ssh_config. */
export function resyncSshFiles(paths: Paths, store: InstanceStore, settings: Settings): void {
  syncSshFiles(
    paths,
    hostEntries(store.list(), { identityFile: settings.sshKeyPath, forwardAgent: settings.forwardAgent }),
  );
}
