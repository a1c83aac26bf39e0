/**
 * The monthly price of stored things (prebuild snapshots, workspace volumes) for the commands that
 * list them, from the same price book and `storageRate` as `spuff cost` (cost/): the provider's
 * published per-GB price (cached a day) or the vendored table. Unknown, with the reason, when the
 * prices cannot be read: a listing never fails for want of a price.
 */
import type { Deps } from "../cli/deps.ts";
import { loadPriceBook } from "../cost/price-source.ts";
import { storageRate } from "../cost/prices.ts";
import type { Priced } from "../cost/rate.ts";
import type { Provider } from "../providers/types.ts";

export async function storageRates(
  deps: Deps,
  provider: Provider,
  kind: "snapshot" | "volume",
  sizesGb: number[],
): Promise<Priced[]> {
  try {
    const store = await deps.state();
    const book = await loadPriceBook(provider.name, {
      billing: store.billing,
      now: deps.clock.now(),
      provider: async () => provider,
    });
    return sizesGb.map((gb) => storageRate(book, kind, gb));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return sizesGb.map(() => ({ unknown: `prices not available: ${why}` }));
  }
}
