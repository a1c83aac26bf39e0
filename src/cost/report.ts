/**
 * `spuff cost`'s data: for each provider, every billable kind's items with their rate and cost
 * since creation, then month-to-date from local history (instances) plus this month's share of
 * what else exists now (snapshots, volumes, …). Pure over its inputs: providers, state, clock.
 */
import type { Provider, ProviderInstance } from "../providers/types.ts";
import type { BillingStore } from "../state/billing.ts";
import type { InstanceRecord } from "../state/types.ts";
import { add, addRuns, emptyTotals, monthStartMs, runRate, type Totals } from "./history.ts";
import type { BillableItem, BillableKind } from "./kind.ts";
import { loadPriceBook } from "./price-source.ts";
import type { PriceBook } from "./prices.ts";
import { costBetween, isKnown } from "./rate.ts";

export interface CostedItem extends BillableItem {
  /** Micro-units since createdAt; null when the rate is unknown. */
  sinceCreated: number | null;
}

export interface CostReport {
  items: CostedItem[];
  monthToDate: Totals;
  monthStart: string;
  /** Providers (or one kind at one) that could not be listed: shown, not hidden. */
  errors: { provider: string; kind?: string; message: string }[];
  /** The price books used, per provider asked (their sources, storage and traffic prices). */
  books: PriceBook[];
}

export interface ReportInput {
  providers: { name: string; client: () => Promise<Provider> }[];
  billing: BillingStore;
  records: InstanceRecord[];
  kinds: readonly BillableKind[];
  now: number;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function costReport(input: ReportInput): Promise<CostReport> {
  const { now } = input;
  const report: CostReport = {
    items: [],
    monthToDate: emptyTotals(),
    monthStart: new Date(monthStartMs(now)).toISOString(),
    errors: [],
    books: [],
  };
  const books = new Map<string, PriceBook>();
  for (const p of input.providers) {
    let client: Provider;
    try {
      client = await p.client();
    } catch (err) {
      report.errors.push({ provider: p.name, message: message(err) });
      continue;
    }
    const prices = await loadPriceBook(p.name, { billing: input.billing, now, provider: async () => client });
    books.set(p.name, prices);
    report.books.push(prices);
    let listed: Promise<ProviderInstance[]> | undefined;
    const ctx = {
      provider: p.name,
      client,
      instances: () => (listed ??= client.listInstances()),
      prices,
      records: input.records.filter((r) => r.provider === p.name),
      now,
    };
    for (const kind of input.kinds) {
      try {
        for (const item of await kind.list(ctx)) report.items.push(costed(item, now));
      } catch (err) {
        report.errors.push({ provider: p.name, kind: kind.kind, message: message(err) });
      }
    }
  }
  await monthToDate(report, input, books);
  return report;
}

function costed(item: BillableItem, now: number): CostedItem {
  const start = Date.parse(item.createdAt);
  const since = isKnown(item.rate) && Number.isFinite(start) ? costBetween(item.rate, start, now) : null;
  return { ...item, sinceCreated: since };
}

/** Instances from billing runs (priced by their provider's book, cached only if not listed here); the rest from what exists. */
async function monthToDate(
  report: CostReport,
  input: ReportInput,
  books: Map<string, PriceBook>,
): Promise<void> {
  const { now } = input;
  const from = monthStartMs(now);
  const runs = input.billing.runsSince(new Date(from).toISOString());
  for (const name of new Set(runs.filter((r) => !r.rate).map((r) => r.provider))) {
    if (!books.has(name)) books.set(name, await loadPriceBook(name, { billing: input.billing, now }));
  }
  addRuns(report.monthToDate, runs, (r) => runRate(r, books.get(r.provider), input.billing), now);
  for (const item of report.items) {
    if (item.fromHistory) continue;
    if (!isKnown(item.rate)) {
      report.monthToDate.unknown.push({ name: item.name, reason: item.rate.unknown });
      continue;
    }
    const start = Math.max(Date.parse(item.createdAt), from);
    if (Number.isFinite(start))
      add(report.monthToDate, item.rate.currency, costBetween(item.rate, start, now));
  }
}
