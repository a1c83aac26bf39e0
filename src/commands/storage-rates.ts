/**
 * The monthly price of stored things (prebuild snapshots, workspace volumes) for the commands that
 * list them, from the same price book and `storageRate` as `spuff cost` (cost/): the provider's
 * published per-GB price (cached a day) or the vendored table. Unknown, with the reason, when the
 * prices cannot be read: a listing never fails for want of a price.
 */
import type { Deps } from "../cli/deps.ts";
import { loadPriceBook, type PriceSourceOptions } from "../cost/price-source.ts";
import { storageRate } from "../cost/prices.ts";
import type { Priced } from "../cost/rate.ts";
import type { Provider } from "../providers/types.ts";

type Kind = "snapshot" | "volume";

export async function storageRates(
  deps: Deps,
  provider: Provider,
  kind: Kind,
  sizesGb: number[],
): Promise<Priced[]> {
  try {
    const store = await deps.state();
    const source = { billing: store.billing, now: deps.clock.now(), provider: async () => provider };
    return await storageRatesFrom(provider.name, source, kind, sizesGb);
  } catch (err) {
    return unknownAll(err, sizesGb);
  }
}

/** The same from a price source of the caller's (`source.provider` undefined: cache and vendored table only). */
export async function storageRatesFrom(
  providerName: string,
  source: PriceSourceOptions,
  kind: Kind,
  sizesGb: number[],
): Promise<Priced[]> {
  try {
    const book = await loadPriceBook(providerName, source);
    return sizesGb.map((gb) => storageRate(book, kind, gb));
  } catch (err) {
    return unknownAll(err, sizesGb);
  }
}

function unknownAll(err: unknown, sizesGb: number[]): Priced[] {
  const why = err instanceof Error ? err.message : String(err);
  return sizesGb.map(() => ({ unknown: `prices not available: ${why}` }));
}
