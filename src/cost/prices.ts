/**
 * A provider's price book: its API's sheet (fresh or cached under a day old) and the vendored
 * table for what the API does not price. Lookups turn decimal text into a Rate, naming the
 * source and its date; anything missing, stale or unparseable is Unknown with the reason.
 */
import type { PriceSheet, PriceText } from "../providers/types.ts";
import { parseMicros } from "./money.ts";
import type { Priced } from "./rate.ts";
import type { VendoredSheet } from "./vendored.ts";

/** Prices older than this are not trusted: shown as unknown until read again. */
export const PRICE_MAX_AGE_MS = 24 * 3_600_000;

export interface PriceBook {
  provider: string;
  api?: { sheet: PriceSheet; fetchedAt: string };
  /** Why the API's prices are not available (fetch failed, cache stale, never fetched). */
  apiUnknown?: string;
  vendored?: VendoredSheet;
}

type Found = { price: PriceText; sheet: PriceSheet; asOf: string };

function sources(book: PriceBook): { sheet: PriceSheet; asOf: string }[] {
  const out: { sheet: PriceSheet; asOf: string }[] = [];
  if (book.api) out.push({ sheet: book.api.sheet, asOf: book.api.fetchedAt });
  if (book.vendored) out.push({ sheet: book.vendored, asOf: book.vendored.asOf });
  return out;
}

function toRate(found: Found | undefined, book: PriceBook, what: string, per: "hour" | "month"): Priced {
  if (!found) {
    const why = book.apiUnknown ? `: ${book.apiUnknown}` : "";
    return { unknown: `no ${book.provider} price for ${what}${why}` };
  }
  const micros = parseMicros(found.price.amount);
  if (micros === undefined) return { unknown: `unreadable ${book.provider} price for ${what}` };
  // The currency comes from the API too: an ISO 4217 code or nothing (it reaches terminals).
  if (!/^[A-Z]{3}$/.test(found.sheet.currency)) return { unknown: `unreadable ${book.provider} currency` };
  const net = found.price.net === undefined ? undefined : parseMicros(found.price.net);
  return {
    micros,
    per,
    currency: found.sheet.currency,
    source: found.sheet.source,
    asOf: found.asOf,
    ...(net !== undefined ? { netMicros: net } : {}),
  };
}

/** The hourly rate of an instance of `size` in `region`. */
export function instanceRate(book: PriceBook, region: string, size: string): Priced {
  let found: Found | undefined;
  for (const { sheet, asOf } of sources(book)) {
    const e =
      sheet.instances.find((i) => i.size === size && (i.region === null || i.region === region)) ??
      // "*" (every size: local machines are free) only in spuff's own tables, never from an API.
      (sheet === book.vendored ? sheet.instances.find((i) => i.size === "*") : undefined);
    if (e) {
      found = { price: e.hourly, sheet, asOf };
      break;
    }
  }
  return toRate(found, book, `${size} in ${region}`, "hour");
}

/** The hourly price of a server's public IPv4 in `region`, where the provider bills it apart (Hetzner, AWS). */
export function publicIpv4Rate(book: PriceBook, region: string): Priced | undefined {
  for (const { sheet, asOf } of sources(book)) {
    const e = sheet.publicIpv4?.find((x) => x.region === null || x.region === region);
    if (e) return toRate({ price: e.hourly, sheet, asOf }, book, `a public IPv4 in ${region}`, "hour");
  }
  return undefined;
}

/** Snapshots and volumes: per GB and month → the monthly rate of `sizeGb` (decimal, may be fractional). */
export function storageRate(book: PriceBook, kind: "snapshot" | "volume", sizeGb: number): Priced {
  const field = kind === "snapshot" ? "snapshotPerGbMonth" : "volumePerGbMonth";
  let found: Found | undefined;
  for (const { sheet, asOf } of sources(book)) {
    const p = sheet[field];
    if (p) {
      found = { price: p, sheet, asOf };
      break;
    }
  }
  const perGb = toRate(found, book, `${kind}s`, "month");
  if ("unknown" in perGb) return perGb;
  const gb = parseMicros(sizeGb);
  if (gb === undefined) return { unknown: `unreadable ${kind} size ${sizeGb}` };
  const times = (m: number) => Number((BigInt(m) * BigInt(gb) + 500_000n) / 1_000_000n);
  return {
    ...perGb,
    micros: times(perGb.micros),
    ...(perGb.netMicros !== undefined ? { netMicros: times(perGb.netMicros) } : {}),
  };
}

/** A book for `spuff cost --json`: what each source says, per GB/TB, with its date (unknown stays null). */
export function bookJson(book: PriceBook) {
  const per = (field: "snapshotPerGbMonth" | "volumePerGbMonth" | "trafficPerTb") => {
    for (const { sheet, asOf } of sources(book)) {
      const p = sheet[field];
      const micros = p ? parseMicros(p.amount) : undefined;
      if (p && micros !== undefined && /^[A-Z]{3}$/.test(sheet.currency))
        return { micros, currency: sheet.currency, source: sheet.source, as_of: asOf };
    }
    return null;
  };
  return {
    provider: book.provider,
    api: book.api ? { source: book.api.sheet.source, fetched_at: book.api.fetchedAt } : null,
    api_unknown: book.apiUnknown ?? null,
    vendored: book.vendored ? { source: book.vendored.source, as_of: book.vendored.asOf } : null,
    snapshot_per_gb_month: per("snapshotPerGbMonth"),
    volume_per_gb_month: per("volumePerGbMonth"),
    // Not in any figure: spuff does not measure a machine's traffic.
    traffic_per_tb: per("trafficPerTb"),
  };
}
