/**
 * A billable kind: one thing spuff can own at a provider (instances, snapshots; volumes and
 * prebuilds add theirs) that lists what exists now, each with its rate. `spuff cost` walks the
 * registry (registry.ts) for every configured provider; the cost since creation and the
 * month-to-date share are computed from the rate by the caller, the same way for every kind.
 */
import type { Provider, ProviderInstance } from "../providers/types.ts";
import type { InstanceRecord } from "../state/types.ts";
import type { PriceBook } from "./prices.ts";
import type { Priced } from "./rate.ts";

export interface CostContext {
  /** The provider's name (catalog key). */
  provider: string;
  client: Provider;
  /** `client.listInstances()`, asked once for all kinds that need it. */
  instances(): Promise<ProviderInstance[]>;
  prices: PriceBook;
  /** spuff's records at this provider (state), for names and ids. */
  records: InstanceRecord[];
  now: number;
}

export interface BillableItem {
  kind: string;
  provider: string;
  /** The provider's id. */
  id: string;
  name: string;
  region: string | null;
  /** What it is, for people: an instance size, or a snapshot's size in GB. */
  detail: string;
  /** When billing began (ISO 8601): the provider's creation time. */
  createdAt: string;
  rate: Priced;
  /** Instances: counted from local state's billing runs in month-to-date instead of here. */
  fromHistory?: boolean;
  /** A warning worth a column: powered off but still billed, not in state, … */
  note?: string;
}

export interface BillableKind {
  /** Singular, lowercase: the `kind` of its items ("instance", "snapshot", "volume"). */
  kind: string;
  list(ctx: CostContext): Promise<BillableItem[]>;
}
