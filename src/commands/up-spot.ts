/**
 * The spot line of `up`'s plan: the current spot price (one read-only price lookup, also under
 * --dry-run), the cap, and the on-demand price where spuff knows it (EC2's API has none: the
 * vendored table of src/cost, with its source and date). Anything unknown is shown as such, never 0.
 */
import type { Deps } from "../cli/deps.ts";
import { formatAmount } from "../cost/money.ts";
import { instanceRate } from "../cost/prices.ts";
import { isKnown } from "../cost/rate.ts";
import { VENDORED } from "../cost/vendored.ts";
import { providerFromDeps } from "../providers/from-deps.ts";
import type { SpotPrice } from "../providers/types.ts";
import type { UpPlan } from "../up/plan.ts";

export interface SpotQuote {
  max_price: string | null;
  price: SpotPrice | null;
  on_demand: { amount: string; currency: string; source: string; as_of: string } | null;
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
    on_demand: onDemand(plan),
    ...(error ? { error } : {}),
    ...(below ? { below_price: true as const } : {}),
  };
}

/** The vendored on-demand rate (no API call), or null where the table has none. */
function onDemand(plan: UpPlan): SpotQuote["on_demand"] {
  const vendored = Object.hasOwn(VENDORED, plan.provider) ? VENDORED[plan.provider] : undefined;
  const rate = instanceRate(
    { provider: plan.provider, ...(vendored ? { vendored } : {}) },
    plan.region,
    plan.size,
  );
  if (!isKnown(rate)) return null;
  return {
    amount: formatAmount(rate.micros),
    currency: rate.currency,
    source: rate.source,
    as_of: rate.asOf,
  };
}

/** One or two lines for stderr. */
export function spotLines(q: SpotQuote): string {
  const now = q.price
    ? `${q.price.amount} ${q.price.currency}/hour in ${q.price.zone} (since ${q.price.since})`
    : `unknown (${q.error ?? "no price"})`;
  const cap = q.max_price ? `capped at ${q.max_price} USD/hour` : "capped at the on-demand price";
  const onDemand = q.on_demand
    ? `${q.on_demand.amount} ${q.on_demand.currency}/hour (vendored table, ${q.on_demand.as_of})`
    : "unknown here (EC2's API lists no on-demand prices; spuff's table lacks this type or region)";
  return (
    `  spot: ${now}, ${cap}; on-demand: ${onDemand}. AWS may reclaim it with 2 minutes' notice.\n` +
    (q.below_price
      ? `  warning: the cap ${q.max_price} is under the current spot price: EC2 will refuse the launch (SpotMaxPriceTooLow)\n`
      : "")
  );
}
