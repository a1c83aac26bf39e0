/**
 * Where a price book comes from: the state's cached sheet while under a day old, else the
 * provider's API (when the caller allows the network), else unknown. A stale cached sheet is
 * never used for figures: its age is the reason shown instead.
 */
import { formatDuration } from "../core/duration.ts";
import type { PriceSheet, Provider } from "../providers/types.ts";
import type { BillingStore } from "../state/billing.ts";
import { PRICE_MAX_AGE_MS, type PriceBook } from "./prices.ts";
import { VENDORED } from "./vendored.ts";

export interface PriceSourceOptions {
  billing: Pick<BillingStore, "cachedSheet" | "cacheSheet">;
  now: number;
  /** The provider client, when the caller may go to the network; undefined: cache only. */
  provider?: () => Promise<Provider>;
}

function isSheet(x: unknown): x is PriceSheet {
  const s = x as PriceSheet;
  return typeof s?.currency === "string" && typeof s.source === "string" && Array.isArray(s.instances);
}

export async function loadPriceBook(name: string, o: PriceSourceOptions): Promise<PriceBook> {
  const vendored = Object.hasOwn(VENDORED, name) ? VENDORED[name as keyof typeof VENDORED] : undefined;
  const book: PriceBook = { provider: name, ...(vendored ? { vendored } : {}) };
  const cached = o.billing.cachedSheet(name);
  const age = cached ? o.now - Date.parse(cached.fetchedAt) : Number.NaN;
  if (cached && isSheet(cached.sheet) && age >= 0 && age <= PRICE_MAX_AGE_MS) {
    return { ...book, api: { sheet: cached.sheet, fetchedAt: cached.fetchedAt } };
  }
  const stale = cached ? `prices cached ${formatDuration(Math.max(0, age))} ago are stale` : undefined;
  if (!o.provider) {
    return { ...book, apiUnknown: stale ?? "prices not read yet (`spuff cost` reads them)" };
  }
  try {
    const provider = await o.provider();
    if (!provider.priceSheet) return book;
    const sheet = await provider.priceSheet();
    const fetchedAt = new Date(o.now).toISOString();
    o.billing.cacheSheet(name, sheet, fetchedAt);
    return { ...book, api: { sheet, fetchedAt } };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { ...book, apiUnknown: `price list unavailable (${why})${stale ? `; ${stale}` : ""}` };
  }
}
