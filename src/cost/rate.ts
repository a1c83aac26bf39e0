/**
 * A rate is what one billable thing costs per hour or per month, in the provider's currency,
 * with where the figure came from. A price spuff cannot vouch for (missing, or cached too long
 * ago) is an `Unknown` with the reason: never a zero.
 */
import { formatAmount, mulDiv } from "./money.ts";

/** Hours in a billing month as Hetzner and DigitalOcean quote monthly prices (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;
const HOUR_MS = 3_600_000;

export interface Rate {
  micros: number;
  per: "hour" | "month";
  currency: string;
  /** The API call or the vendored table (URL and date) the figure comes from. */
  source: string;
  /** When the figure was read from its source (ISO 8601). */
  asOf: string;
  /** Hetzner quotes net and gross: the net figure, when there is one (the rate is gross). */
  netMicros?: number;
}

export interface Unknown {
  unknown: string;
}

export type Priced = Rate | Unknown;

export const isKnown = (p: Priced): p is Rate => !("unknown" in p);

/** What the rate costs over [fromMs, toMs); a month counts 730 hours. */
export function costBetween(rate: Rate, fromMs: number, toMs: number): number {
  const ms = Math.max(0, Math.floor(toMs - fromMs));
  const perHourDivisor = rate.per === "hour" ? HOUR_MS : HOUR_MS * HOURS_PER_MONTH;
  return mulDiv(rate.micros, ms, perHourDivisor);
}

/** An hourly figure for any rate (a monthly one divided by 730), for budgets' max_hourly. */
export function hourlyMicros(rate: Rate): number {
  return rate.per === "hour" ? rate.micros : mulDiv(rate.micros, 1, HOURS_PER_MONTH);
}

export function formatRate(p: Priced): string {
  if (!isKnown(p)) return "unknown";
  return `${formatAmount(p.micros)} ${p.currency}/${p.per === "hour" ? "h" : "mo"}`;
}

/** The stable JSON shape of a rate (micro-units, and the figure as text). */
export function rateJson(p: Priced) {
  if (!isKnown(p)) return { known: false as const, reason: p.unknown };
  return {
    known: true as const,
    micros: p.micros,
    per: p.per,
    currency: p.currency,
    text: formatRate(p),
    source: p.source,
    as_of: p.asOf,
    ...(p.netMicros !== undefined ? { net_micros: p.netMicros } : {}),
  };
}
