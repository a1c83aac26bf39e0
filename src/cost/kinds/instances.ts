/** Instances spuff created (labelled/tagged spuff at the provider), at the price book's hourly rate. */
import { providerEntry } from "../../providers/catalog.ts";
import type { BillableKind } from "../kind.ts";
import { instanceRate } from "../prices.ts";

export const instanceKind: BillableKind = {
  kind: "instance",
  async list(ctx) {
    const byProviderId = new Map(ctx.records.filter((r) => r.providerId).map((r) => [r.providerId, r]));
    const billedWhenOff = providerEntry(ctx.provider)?.teardown === "destroy";
    return (await ctx.instances()).map((i) => {
      const rec = byProviderId.get(i.id);
      const notes = [
        ...(rec ? [] : ["not in local state"]),
        ...(i.status === "off" && billedWhenOff ? ["powered off, still billed"] : []),
      ];
      return {
        kind: "instance",
        provider: ctx.provider,
        id: i.id,
        name: rec?.name ?? i.name,
        region: i.region,
        detail: i.size,
        createdAt: i.createdAt,
        rate: instanceRate(ctx.prices, i.region, i.size),
        // Known to state: its billing run counts in month-to-date (and survives its removal).
        fromHistory: rec !== undefined,
        ...(notes.length ? { note: notes.join("; ") } : {}),
      };
    });
  },
};
