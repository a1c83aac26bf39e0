/**
 * Month-to-date spend from local state's billing runs (UTC calendar month). A run counts from
 * max(start, month start) to min(stop, now); runs of instances already forgotten still count.
 * Each currency is summed on its own: no exchange rates.
 */
import type { BillingStore, InstanceRun } from "../state/billing.ts";
import { instanceRate, type PriceBook } from "./prices.ts";
import { costBetween, isKnown, type Priced } from "./rate.ts";

export function monthStartMs(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export interface Totals {
  /** Currency → micro-units. */
  byCurrency: Record<string, number>;
  /** What could not be priced, with why: the totals leave these out and say so. */
  unknown: { name: string; reason: string }[];
}

export function emptyTotals(): Totals {
  return { byCurrency: {}, unknown: [] };
}

export function add(t: Totals, currency: string, micros: number): void {
  t.byCurrency[currency] = (t.byCurrency[currency] ?? 0) + micros;
}

/** Each run's share of [monthStart, now) at its rate, added to `t`. */
export function addRuns(
  t: Totals,
  runs: InstanceRun[],
  rateOf: (r: InstanceRun) => Priced,
  now: number,
): void {
  const from = monthStartMs(now);
  for (const run of runs) {
    const start = Math.max(Date.parse(run.startedAt), from);
    const end = Math.min(run.stoppedAt ? Date.parse(run.stoppedAt) : now, now);
    if (!(end > start)) continue;
    const rate = rateOf(run);
    if (!isKnown(rate)) t.unknown.push({ name: run.name, reason: rate.unknown });
    else add(t, rate.currency, costBetween(rate, start, end));
  }
}

/**
 * A run's rate: the one stored with it, else the book's (stored from then on, so the run stays
 * priced after the cache ages or the provider is no longer configured).
 */
export function runRate(
  run: InstanceRun,
  book: PriceBook | undefined,
  billing: Pick<BillingStore, "rememberRate">,
): Priced {
  if (run.rate) return run.rate;
  const rate = book ? instanceRate(book, run.region, run.size) : { unknown: `no prices for ${run.provider}` };
  if (isKnown(rate)) {
    const { micros, per, currency, source, asOf } = rate;
    billing.rememberRate(run.instanceId, { micros, per, currency, source, asOf });
  }
  return rate;
}
