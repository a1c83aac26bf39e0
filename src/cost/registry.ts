/**
 * Every billable kind `spuff cost` lists, in display order. Adding a kind (volumes, prebuilds):
 * a `BillableKind` in `kinds/<kind>.ts` (list what exists at the provider, price each item with
 * `instanceRate`/`storageRate` from prices.ts or a rate of its own) and one line here.
 */
import type { BillableKind } from "./kind.ts";
import { instanceKind } from "./kinds/instances.ts";
import { publicIpv4Kind } from "./kinds/public-ipv4.ts";
import { snapshotKind } from "./kinds/snapshots.ts";
import { volumeKind } from "./kinds/volumes.ts";

export const BILLABLE_KINDS: readonly BillableKind[] = [
  instanceKind,
  publicIpv4Kind,
  volumeKind,
  snapshotKind,
];
