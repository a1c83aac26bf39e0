/**
 * What is garbage, decided from one provider's listing and local state (pure: no I/O). Only
 * instances in the provider's `listInstances` are ever candidates, and that call returns only
 * instances carrying spuff's tag/label (DigitalOcean tag_name=spuff, Hetzner label_selector
 * spuff=true, EC2 tag filter spuff=true, local: spuff's own machines), so nothing else in the
 * account is touched.
 */
import { billedWhileOff } from "../cost/accrued.ts";
import type { ProviderInstance } from "../providers/types.ts";
import type { InstanceRecord } from "../state/types.ts";

export const GARBAGE_KINDS = [
  /** At the provider with spuff's tag, unknown to state (a crash before the id was saved, another machine's state lost…). */
  "orphan",
  /**
   * Its `up` died mid-way (status creating/provisioning, owner gone): it will never become ready.
   * Or a destroy of it did not finish (status destroying): gc finishes it.
   */
  "abandoned",
  /** An intent record whose create never produced an instance. */
  "stale_intent",
  /** A record whose instance no longer exists at the provider. */
  "dangling",
  /** Powered off (the agent's idle teardown, or by hand): still billed by most clouds. */
  "powered_off",
  /** Past its hard deadline (max_lifetime). */
  "expired",
] as const;
export type GarbageKind = (typeof GARBAGE_KINDS)[number];

export interface Garbage {
  kind: GarbageKind;
  provider: string;
  name: string;
  /** The provider's instance to destroy; null when there is nothing to destroy. */
  instanceId: string | null;
  /** The record to forget; null for orphans. */
  recordId: string | null;
  /** The record's updated_at when classified: apply skips a record changed since. */
  recordUpdatedAt: string | null;
  /** Status at the provider, when it has the instance. */
  providerStatus: string | null;
  reason: string;
}

export interface InProgress {
  provider: string;
  name: string;
  pid: number | null;
}

export interface Classified {
  garbage: Garbage[];
  /** Records a live `up` is still working on: left alone, with their instances. */
  inProgress: InProgress[];
}

export interface ClassifyInput {
  provider: string;
  /** listInstances(), taken *before* `records` were read (see collect.ts for why). */
  listing: ProviderInstance[];
  /** This provider's records. */
  records: InstanceRecord[];
  /** Record ids whose provider id the provider confirmed gone (getInstance → undefined). */
  confirmedGone: ReadonlySet<string>;
  nowIso: string;
  isInProgress(rec: InstanceRecord): boolean;
}

const UP_RUNNING = new Set(["creating", "provisioning"]);

export function classify(input: ClassifyInput): Classified {
  const byId = new Map(input.listing.map((x) => [x.id, x]));
  const byName = new Map(input.listing.map((x) => [x.name, x]));
  const known = new Set<string>();
  const garbage: Garbage[] = [];
  const inProgress: InProgress[] = [];

  for (const rec of input.records) {
    // Without a provider id the instance can only be found by its unique name.
    const inst = rec.providerId ? byId.get(rec.providerId) : byName.get(rec.name);
    if (inst) known.add(inst.id);
    if (input.isInProgress(rec)) {
      // A live `up` may be creating it right now: neither the record nor its instance is ours to judge.
      inProgress.push({ provider: input.provider, name: rec.name, pid: rec.owner?.pid ?? null });
      continue;
    }
    const g = (kind: GarbageKind, instanceId: string | null, reason: string): Garbage => ({
      kind,
      provider: input.provider,
      name: rec.name,
      instanceId,
      recordId: rec.id,
      recordUpdatedAt: rec.updatedAt,
      providerStatus: inst?.status ?? null,
      reason,
    });
    const gone = rec.providerId !== null && input.confirmedGone.has(rec.id);
    // Not in the listing but not confirmed gone either (listed before it was created, or the
    // listing filters it out): it exists under our id.
    const id = inst?.id ?? (rec.providerId && !gone ? rec.providerId : null);

    if (!id) {
      garbage.push(
        rec.providerId
          ? g("dangling", null, `instance ${rec.providerId} no longer exists at ${input.provider}`)
          : g("stale_intent", null, "intent record; the create never produced an instance"),
      );
    } else if (UP_RUNNING.has(rec.status)) {
      const pid = rec.owner ? ` (pid ${rec.owner.pid})` : "";
      garbage.push(
        g("abandoned", id, `the \`up\` creating it${pid} stopped during ${rec.phase ?? rec.status}`),
      );
    } else if (rec.status === "destroying") {
      garbage.push(g("abandoned", id, `a destroy of it did not finish${rec.error ? ` (${rec.error})` : ""}`));
    } else if (inst?.status === "off") {
      garbage.push(
        g("powered_off", id, billedWhileOff(input.provider, inst) ?? "powered off at the provider"),
      );
    } else if (rec.deadlineAt !== null && rec.deadlineAt <= input.nowIso) {
      garbage.push(g("expired", id, `past its hard deadline ${rec.deadlineAt} (max_lifetime)`));
    }
  }

  for (const inst of input.listing) {
    if (known.has(inst.id)) continue;
    garbage.push({
      kind: "orphan",
      provider: input.provider,
      name: inst.name,
      instanceId: inst.id,
      recordId: null,
      recordUpdatedAt: null,
      providerStatus: inst.status,
      reason: "has spuff's tag but local state does not know it",
    });
  }
  return { garbage, inProgress };
}
