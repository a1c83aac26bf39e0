/** Instance snapshots at the provider (what `spuff snapshot list` shows), per GB and month. */
import type { BillableKind } from "../kind.ts";
import { storageRate } from "../prices.ts";

export const snapshotKind: BillableKind = {
  kind: "snapshot",
  async list(ctx) {
    return (await ctx.client.listSnapshots()).map((s) => ({
      kind: "snapshot",
      provider: ctx.provider,
      id: s.id,
      name: s.name,
      region: s.regions.length === 1 ? (s.regions[0] ?? null) : null,
      detail: `${s.sizeGb} GB`,
      createdAt: s.createdAt,
      rate: storageRate(ctx.prices, "snapshot", s.sizeGb),
    }));
  },
};
