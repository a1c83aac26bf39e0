/**
 * Spot in the EC2 simulator: the price history DescribeSpotPriceHistory answers, and the checks
 * RunInstances applies to `InstanceMarketOptions`. Prices are a deterministic function of region,
 * zone, type and hour (one point per hour, as spot prices change slowly), so a test can compute
 * the figure it expects; they are the simulator's own, not AWS's.
 */
import { createHash } from "node:crypto";
import { matches } from "./filters.ts";
import { fail, type Input, nextToken, type OpContext, page, strings } from "./ops-common.ts";

/** USD per hour in zone "a" of every region, before the hourly variation (about a third of on-demand). */
export const SPOT_BASE_USD: Record<string, number> = {
  "t3.micro": 0.0031,
  "t3.small": 0.0062,
  "t3.medium": 0.0125,
  "t3.large": 0.025,
  "m7i.large": 0.0389,
  "c7i.xlarge": 0.069,
  "t4g.medium": 0.0101,
  "m7g.large": 0.033,
};

export const ZONES = ["a", "b", "c"] as const;
const HOUR = 3_600_000;
/** How far back the history goes. */
const HISTORY_HOURS = 24;
const PRODUCT = "Linux/UNIX";
const FILTERS = ["availability-zone", "instance-type", "product-description"];

/**
 * The price in force at `at` (ms) in `zone` (e.g. "us-east-1a"): the base, ±5 % by hour, zones
 * b and c a little dearer. Returned as EC2 writes it, a decimal string with six places.
 */
export function spotPriceAt(zone: string, type: string, at: number): string | undefined {
  const base = SPOT_BASE_USD[type];
  if (base === undefined) return undefined;
  const hour = Math.floor(at / HOUR);
  const h = createHash("sha256").update(`${zone}\n${type}\n${hour}`).digest();
  const wobble = 0.95 + (h.readUInt16BE(0) % 101) / 1000;
  const zoneFactor = 1 + ZONES.indexOf(zone.slice(-1) as (typeof ZONES)[number]) * 0.03;
  return (base * wobble * zoneFactor).toFixed(6);
}

interface Point {
  AvailabilityZone: string;
  InstanceType: string;
  ProductDescription: string;
  SpotPrice: string;
  Timestamp: Date;
}

/**
 * DescribeSpotPriceHistory: the points within [StartTime, EndTime] (default: the last day up to
 * now) plus, per zone and type, the last change before StartTime (the price in force at it), as
 * EC2 answers; newest first.
 */
export function describeSpotPriceHistory({ st, region }: OpContext, input: Input) {
  const now = st.timeline.now();
  const end = (input.EndTime as Date | undefined)?.getTime() ?? now;
  const start = (input.StartTime as Date | undefined)?.getTime();
  if (start !== undefined && start > end)
    fail("InvalidParameterValue", "The start time must be before the end time.");
  const wantedTypes = strings(input.InstanceTypes);
  const products = strings(input.ProductDescriptions);
  const zone = input.AvailabilityZone as string | undefined;
  const filters = input.Filters as { Name?: string; Values?: string[] }[] | undefined;
  const lastHour = Math.floor(Math.min(end, now) / HOUR);
  const from = start ?? end - HISTORY_HOURS * HOUR;
  const points: Point[] = [];
  for (const type of Object.keys(SPOT_BASE_USD)) {
    if (wantedTypes.length > 0 && !wantedTypes.includes(type)) continue;
    for (const z of ZONES.map((s) => `${region}${s}`)) {
      if (zone !== undefined && zone !== z) continue;
      if (products.length > 0 && !products.includes(PRODUCT)) continue;
      const fields = { "availability-zone": [z], "instance-type": [type], "product-description": [PRODUCT] };
      if (!matches(filters, fields, FILTERS)) continue;
      for (let hour = lastHour; hour > lastHour - HISTORY_HOURS; hour--) {
        const at = hour * HOUR;
        const price = spotPriceAt(z, type, at) as string;
        points.push({
          AvailabilityZone: z,
          InstanceType: type,
          ProductDescription: PRODUCT,
          SpotPrice: price,
          Timestamp: new Date(at),
        });
        // The first point at or before the window's start is the price in force at it: the last one.
        if (at <= from) break;
      }
    }
  }
  points.sort((a, b) => b.Timestamp.getTime() - a.Timestamp.getTime());
  const p = page(points, input, "DescribeSpotPriceHistory");
  return { SpotPriceHistory: p.items, ...nextToken(p) };
}

export interface SpotRequest {
  /** EC2 makes one one-time spot request per instance: `sir-` and eight characters. */
  requestId: string;
  /** As the client sent it (a decimal string), when it set one; EC2's cap is then on-demand. */
  maxPrice?: string;
}

/**
 * RunInstances' `InstanceMarketOptions`, checked as EC2 checks it: only `spot` here; one-time
 * requests terminate on interruption; a max price under the zone's current price is refused
 * (SpotMaxPriceTooLow). Persistent requests are not simulated and are refused as such.
 */
export function spotRequest(
  ctx: OpContext,
  input: Input,
  type: string,
  zone: string,
): Omit<SpotRequest, "requestId"> | undefined {
  const market = input.InstanceMarketOptions as
    | { MarketType?: string; SpotOptions?: Record<string, unknown> }
    | undefined;
  if (!market) return undefined;
  if (market.MarketType !== "spot")
    fail("UnsupportedOperation", `The simulator implements MarketType spot only, not ${market.MarketType}.`);
  const o = market.SpotOptions ?? {};
  const kind = o.SpotInstanceType ?? "one-time";
  const behaviour = o.InstanceInterruptionBehavior ?? "terminate";
  if (kind === "persistent")
    fail("UnsupportedOperation", "The simulator implements one-time Spot Instance requests only.");
  if (behaviour !== "terminate")
    fail(
      "InvalidParameterCombination",
      "One-time Spot Instance requests support only the terminate interruption behavior.",
    );
  if (o.BlockDurationMinutes !== undefined)
    fail("InvalidParameterValue", "Spot Instances with a defined duration are no longer supported.");
  const now = ctx.st.timeline.now();
  if (o.ValidUntil !== undefined && (o.ValidUntil as Date).getTime() <= now)
    fail("InvalidParameterValue", "ValidUntil must be in the future.");
  const current = spotPriceAt(zone, type, now);
  if (current === undefined) fail("Unsupported", `Spot capacity for ${type} is not available in ${zone}.`);
  const max = o.MaxPrice as string | undefined;
  if (max !== undefined) {
    if (!/^\d{1,6}(\.\d{1,6})?$/.test(max) || Number(max) <= 0)
      fail("InvalidParameterValue", `Invalid max price: ${JSON.stringify(max)}`);
    if (Number(max) < Number(current))
      fail(
        "SpotMaxPriceTooLow",
        `Your Spot request price of ${max} is lower than the minimum required Spot request fulfillment price of ${current}.`,
      );
  }
  return max !== undefined ? { maxPrice: max } : {};
}
