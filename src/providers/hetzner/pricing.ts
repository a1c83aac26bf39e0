/**
 * GET /pricing → spuff's PriceSheet: server types per location (gross, with the net figure
 * beside it), snapshots ("image", per GB and month), volumes and traffic, in the currency the
 * response names. Shapes per hetzner-cloud-openapi.spuff.json (only the fields read).
 */
import type { PriceSheet, PriceText } from "../types.ts";

interface HzMoney {
  net: string;
  gross: string;
}

export interface HzPricing {
  currency: string;
  vat_rate: string;
  primary_ips?: { type: string; prices: { location: string; price_hourly: HzMoney }[] }[];
  image: { price_per_gb_month: HzMoney };
  volume: { price_per_gb_month: HzMoney };
  server_types: {
    name: string;
    prices: {
      location: string;
      price_hourly: HzMoney;
      price_monthly: HzMoney;
      price_per_tb_traffic: HzMoney;
    }[];
  }[];
}

const text = (m: HzMoney): PriceText => ({ amount: m.gross, net: m.net });

export function pricingSheet(p: HzPricing): PriceSheet {
  const traffic = p.server_types[0]?.prices[0]?.price_per_tb_traffic;
  return {
    currency: p.currency,
    source: `Hetzner API GET /pricing (gross${/^\d{1,3}(\.\d+)?$/.test(p.vat_rate) ? `, VAT ${p.vat_rate} %` : ""})`,
    instances: p.server_types.flatMap((t) =>
      t.prices.map((x) => ({
        size: t.name,
        region: x.location,
        hourly: text(x.price_hourly),
        monthly: text(x.price_monthly),
      })),
    ),
    snapshotPerGbMonth: text(p.image.price_per_gb_month),
    volumePerGbMonth: text(p.volume.price_per_gb_month),
    ...(traffic ? { trafficPerTb: text(traffic) } : {}),
    // Every server spuff creates has a primary IPv4 (public_net.enable_ipv4 defaults to true).
    publicIpv4: (p.primary_ips ?? [])
      .filter((x) => x.type === "ipv4")
      .flatMap((x) => x.prices.map((y) => ({ region: y.location, hourly: text(y.price_hourly) }))),
  };
}
