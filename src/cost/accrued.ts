/**
 * What `list` and `status` show beside an instance: its hourly rate and what it has cost since
 * its billing run started (state/billing.ts), and whether it is powered off yet still billed.
 */
import { providerEntry } from "../providers/catalog.ts";
import type { Provider, ProviderInstance } from "../providers/types.ts";
import type { BillingStore } from "../state/billing.ts";
import type { InstanceRecord } from "../state/types.ts";
import { runRate } from "./history.ts";
import { formatMoney, parseMicros } from "./money.ts";
import { loadPriceBook } from "./price-source.ts";
import { instanceRate } from "./prices.ts";
import { costBetween, formatRate, isKnown, type Priced, rateJson } from "./rate.ts";

export interface Accrued {
  rate: Priced;
  /** Micro-units since the run started; null when unknown (no run, or no price). */
  cost: number | null;
}

/**
 * Rates and accrued cost per record id. `provider` given: a price book older than a day is read
 * again from the provider's API; without it only the cache is used (plain `list` stays offline).
 */
export async function accruedFor(
  records: InstanceRecord[],
  billing: BillingStore,
  now: number,
  provider?: (name: string) => Promise<Provider>,
): Promise<Map<string, Accrued>> {
  const out = new Map<string, Accrued>();
  for (const name of new Set(records.map((r) => r.provider))) {
    const book = await loadPriceBook(name, {
      billing,
      now,
      ...(provider ? { provider: () => provider(name) } : {}),
    });
    for (const r of records.filter((x) => x.provider === name)) {
      const run = billing.run(r.id);
      const rate = run ? runRate(run, book, billing) : instanceRate(book, r.region, r.size);
      const cost =
        run && isKnown(rate)
          ? costBetween(rate, Date.parse(run.startedAt), run.stoppedAt ? Date.parse(run.stoppedAt) : now)
          : null;
      out.set(r.id, { rate, cost });
    }
  }
  return out;
}

export const accruedText = (a: Accrued | undefined): string =>
  a?.cost == null || !isKnown(a.rate) ? "unknown" : formatMoney(a.cost, a.rate.currency);

export const rateText = (a: Accrued | undefined): string => (a ? formatRate(a.rate) : "unknown");

export function accruedJson(a: Accrued | undefined) {
  if (!a) return { rate: null, accrued: null };
  return {
    rate: rateJson(a.rate),
    accrued:
      a.cost === null || !isKnown(a.rate)
        ? null
        : { micros: a.cost, currency: a.rate.currency, text: formatMoney(a.cost, a.rate.currency) },
  };
}

/**
 * "powered off, still billed at 0.00714 EUR/h" for a DigitalOcean/Hetzner machine that is off
 * (their powered-off servers bill like running ones); undefined otherwise.
 */
export function billedWhileOff(provider: string, inst: ProviderInstance | undefined): string | undefined {
  if (inst?.status !== "off" || providerEntry(provider)?.teardown !== "destroy") return undefined;
  const p = inst.priceHourly;
  const micros = p ? parseMicros(p.amount) : undefined;
  return `powered off, still billed${p && micros !== undefined ? ` at ${formatMoney(micros, p.currency)}/h` : ""}`;
}
