/**
 * gc against one provider: find the garbage (scan), then remove one item at a time (apply),
 * re-checking state just before each removal because a person may take a while to confirm and
 * other spuff processes keep running meanwhile.
 */
import type { Provider } from "../providers/types.ts";
import type { InstanceStore } from "../state/instances.ts";
import { inProgress } from "../state/owner.ts";
import { type Classified, classify, type Garbage } from "./classify.ts";
import { type DiscardOptions, destroyConfirmed, discardInstance } from "./discard.ts";

export async function scanProvider(
  provider: Provider,
  store: InstanceStore,
  nowMs: number,
): Promise<Classified> {
  // Order matters: list first, read state second. `up` saves its intent record before it asks
  // for the instance, so every instance in this listing already has its record in what we read
  // next, and an instance a concurrent `up` is creating cannot be mistaken for an orphan.
  const listing = await provider.listInstances();
  const records = store.list().filter((r) => r.provider === provider.name);
  const listed = new Set(listing.map((x) => x.id));
  const isInProgress = (r: (typeof records)[number]) => inProgress(r, nowMs);
  // "Not listed" is not "gone" (the listing may predate it): only getInstance → 404 proves that.
  const confirmedGone = new Set<string>();
  for (const r of records) {
    if (!r.providerId || listed.has(r.providerId) || isInProgress(r)) continue;
    if ((await provider.getInstance(r.providerId)) === undefined) confirmedGone.add(r.id);
  }
  return classify({
    provider: provider.name,
    listing,
    records,
    confirmedGone,
    nowIso: new Date(nowMs).toISOString(),
    isInProgress,
  });
}

export type Outcome = "destroyed" | "forgotten" | "skipped";

export interface Applied {
  outcome: Outcome;
  /** Why it was skipped. */
  note?: string;
}

export async function applyGarbage(
  g: Garbage,
  provider: Provider,
  store: InstanceStore,
  o: Pick<DiscardOptions, "clock" | "goneTimeoutMs">,
): Promise<Applied> {
  if (g.recordId === null) {
    // An orphan: make sure no record claimed it since the scan (a concurrent `up` or `down`).
    const claimed = store
      .list()
      .some(
        (r) =>
          r.provider === g.provider &&
          (r.providerId === g.instanceId || (r.providerId === null && r.name === g.name)),
      );
    if (claimed) return { outcome: "skipped", note: "local state knows it now" };
    await destroyConfirmed(provider, g.instanceId as string, o);
    return { outcome: "destroyed" };
  }
  const rec = store.get(g.recordId);
  if (!rec) return { outcome: "skipped", note: "its record is already gone" };
  if (rec.updatedAt !== g.recordUpdatedAt)
    return { outcome: "skipped", note: "its record changed since the scan" };
  // A stale intent is looked up by name once more: its create may have landed after the scan.
  const { destroyed } = await discardInstance(provider, store, rec, {
    ...o,
    instanceId: g.kind === "stale_intent" ? undefined : g.instanceId,
  });
  return { outcome: destroyed ? "destroyed" : "forgotten" };
}
