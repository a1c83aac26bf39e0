/**
 * Spot on EC2: the current price (DescribeSpotPriceHistory with StartTime = now gives, per zone,
 * the price in force) and why an instance ended (StateReason: Server.SpotInstanceTermination is
 * AWS taking a spot instance back). Prices are USD; EC2 writes them as decimal text.
 */
import type { _InstanceType } from "@aws-sdk/client-ec2";
import type { EndReason, SpotPrice } from "../types.ts";
import type { AwsContext } from "./context.ts";
import { describeRaw } from "./instances.ts";

/** EC2's StateReason code for a spot instance it reclaimed. */
export const SPOT_RECLAIMED = "Server.SpotInstanceTermination";

/**
 * The lowest current Linux spot price of `size` in `region` (RunInstances without a subnet lets
 * EC2 pick the zone; the plan shows the cheapest and names it). Undefined when EC2 lists none.
 */
export async function spotPrice(
  ctx: AwsContext,
  region: string,
  size: string,
): Promise<SpotPrice | undefined> {
  const res = await ctx.api.call(region, "DescribeSpotPriceHistory", {
    InstanceTypes: [size as _InstanceType],
    ProductDescriptions: ["Linux/UNIX"],
    StartTime: new Date(ctx.clock.now()),
  });
  // Per zone, the newest point is the price in force; of those, the cheapest.
  const latest = new Map<string, { amount: string; since: Date }>();
  for (const p of res.SpotPriceHistory ?? []) {
    if (!p.AvailabilityZone || !p.SpotPrice || !/^\d+(\.\d+)?$/.test(p.SpotPrice) || !p.Timestamp) continue;
    const seen = latest.get(p.AvailabilityZone);
    if (!seen || p.Timestamp > seen.since)
      latest.set(p.AvailabilityZone, { amount: p.SpotPrice, since: p.Timestamp });
  }
  const [zone, best] = [...latest].sort(([, a], [, b]) => Number(a.amount) - Number(b.amount))[0] ?? [];
  return zone && best
    ? { amount: best.amount, currency: "USD", zone, since: best.since.toISOString() }
    : undefined;
}

/** Why EC2 ended the instance, while it still describes it (about an hour after termination). */
export async function endReason(ctx: AwsContext, id: string): Promise<EndReason | undefined> {
  const found = await describeRaw(ctx, id);
  const r = found?.instance.StateReason;
  if (!r?.Code) return undefined;
  return {
    kind: r.Code === SPOT_RECLAIMED ? "reclaimed" : "other",
    code: r.Code,
    message: r.Message ?? r.Code,
  };
}
