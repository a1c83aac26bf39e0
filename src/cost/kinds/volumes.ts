/**
 * Workspace volumes at the provider (what `spuff volume list` shows), per GB and month. They bill
 * whether attached or not; a provider without volumes (`Provider.volumes` absent) lists none.
 */
import type { BillableKind } from "../kind.ts";
import { storageRate } from "../prices.ts";

export const volumeKind: BillableKind = {
  kind: "volume",
  async list(ctx) {
    const ops = ctx.client.volumes;
    if (!ops) return [];
    return (await ops.listVolumes()).map((v) => ({
      kind: "volume",
      provider: ctx.provider,
      id: v.id,
      name: v.name,
      region: v.region,
      detail: `${v.sizeGb} GB`,
      createdAt: v.createdAt,
      rate: storageRate(ctx.prices, "volume", v.sizeGb),
      ...(v.attachedTo.length === 0 ? { note: "detached, still billed" } : {}),
    }));
  },
};
