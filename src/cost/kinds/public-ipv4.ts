/**
 * Public IPv4 addresses billed apart from their server (Hetzner's primary IPs, AWS's public IPv4
 * charge): one per instance with an address, where the price book prices them. DigitalOcean
 * includes the address in the droplet's price, so its book has none and nothing is listed.
 * While a provider's price list cannot be read its addresses are left out, like its instances'
 * figures (shown as unknown).
 */
import type { BillableKind } from "../kind.ts";
import { publicIpv4Rate } from "../prices.ts";

export const publicIpv4Kind: BillableKind = {
  kind: "ipv4",
  async list(ctx) {
    const names = new Map(ctx.records.map((r) => [r.providerId, r.name]));
    return (await ctx.instances()).flatMap((i) => {
      const rate = i.ip ? publicIpv4Rate(ctx.prices, i.region) : undefined;
      if (!i.ip || !rate) return [];
      return [
        {
          kind: "ipv4",
          provider: ctx.provider,
          id: i.id,
          name: names.get(i.id) ?? i.name,
          region: i.region,
          detail: i.ip,
          createdAt: i.createdAt,
          rate,
        },
      ];
    });
  },
};
