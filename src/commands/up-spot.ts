/**
 * The spot line of `up`'s plan: the current spot price (one read-only price lookup, also under
 * --dry-run), the cap, and on-demand where spuff knows it (EC2's API has no on-demand prices, so
 * for AWS it says so rather than guessing). A failed lookup is shown as unknown, never as 0.
 */
import type { Deps } from "../cli/deps.ts";
import { providerFromDeps } from "../providers/from-deps.ts";
import type { SpotPrice } from "../providers/types.ts";
import type { UpPlan } from "../up/plan.ts";

export interface SpotQuote {
  max_price: string | null;
  price: SpotPrice | null;
  on_demand: { amount: number; currency: string } | null;
  /** Why the price is unknown. */
  error?: string;
  /** The cap is under the current price: EC2 will refuse the launch (SpotMaxPriceTooLow). */
  below_price?: true;
}

export async function spotQuote(deps: Deps, plan: UpPlan): Promise<SpotQuote | undefined> {
  if (!plan.spot) return undefined;
  const max = plan.spot.maxPrice ?? null;
  let price: SpotPrice | null = null;
  let error: string | undefined;
  try {
    const provider = await providerFromDeps(deps, plan.provider);
    price = (await provider.spotPrice?.(plan.region, plan.size)) ?? null;
    if (!price) error = `no spot price listed for ${plan.size} in ${plan.region}`;
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  const below = price && max !== null && Number(max) < Number(price.amount);
  return {
    max_price: max,
    price,
    on_demand: null,
    ...(error ? { error } : {}),
    ...(below ? { below_price: true as const } : {}),
  };
}

/** One or two lines for stderr. */
export function spotLines(q: SpotQuote): string {
  const now = q.price
    ? `${q.price.amount} ${q.price.currency}/hour in ${q.price.zone} (since ${q.price.since})`
    : `unknown (${q.error ?? "no price"})`;
  const cap = q.max_price ? `capped at ${q.max_price} USD/hour` : "capped at the on-demand price";
  const onDemand = q.on_demand
    ? `${q.on_demand.amount} ${q.on_demand.currency}/hour`
    : "not known to spuff (EC2's API lists no on-demand prices)";
  return (
    `  spot: ${now}, ${cap}; on-demand: ${onDemand}. AWS may reclaim it with 2 minutes' notice.\n` +
    (q.below_price
      ? `  warning: the cap ${q.max_price} is under the current spot price: EC2 will refuse the launch (SpotMaxPriceTooLow)\n`
      : "")
  );
}
