/**
 * `spuff cost [--json]`: every billable kind (cost/registry.ts) at every provider spuff is set up
 * for, priced from the provider's own price list (or a vendored table, named), plus month-to-date
 * spend from local state's billing history. Unknown prices are shown as unknown, never as 0.
 */
import type { Deps } from "../cli/deps.ts";
import { formatDuration } from "../core/duration.ts";
import { UserError } from "../core/errors.ts";
import { printJson, renderTable } from "../core/io.ts";
import { visible } from "../core/visible.ts";
import { providersToAsk } from "../cost/configured.ts";
import { formatMoney } from "../cost/money.ts";
import { bookJson } from "../cost/prices.ts";
import { formatRate, rateJson } from "../cost/rate.ts";
import { BILLABLE_KINDS } from "../cost/registry.ts";
import { type CostReport, costReport } from "../cost/report.ts";
import { providerFromDeps } from "../providers/from-deps.ts";

export async function runCost(deps: Deps): Promise<void> {
  const store = await deps.state();
  const records = store.list();
  const settings = await deps.settings();
  const names = providersToAsk(settings, deps.env, [...new Set(records.map((r) => r.provider))]);
  const report = await costReport({
    providers: names.map((name) => ({ name, client: () => providerFromDeps(deps, name) })),
    billing: store.billing,
    records,
    kinds: BILLABLE_KINDS,
    now: deps.clock.now(),
  });
  if (deps.json) printJson(deps.io, costJson(report));
  else render(deps, report);
  // A partial answer is still printed, but a script must be able to tell: the exit is non-zero.
  if (report.errors.length > 0) {
    const what = report.errors.map(
      (e) => `${e.kind ? `${e.kind}s at ` : ""}${e.provider}: ${cell(e.message)}`,
    );
    throw new UserError("cost_incomplete", `Could not list ${what.join("; ")}`, {
      hint: "The figures above leave these out. Check the provider's token and network, then run `spuff cost` again.",
    });
  }
}

/** Names and notes come from the provider's API: no control characters reach the terminal. */
const cell = visible;

export function costJson(r: CostReport) {
  return {
    items: r.items.map((i) => ({
      kind: i.kind,
      provider: i.provider,
      id: i.id,
      name: i.name,
      region: i.region,
      detail: i.detail,
      created_at: i.createdAt,
      rate: rateJson(i.rate),
      since_created: i.sinceCreated === null ? null : moneyJson(i.sinceCreated, currencyOf(i)),
      note: i.note ?? null,
    })),
    month_to_date: {
      since: r.monthStart,
      totals: Object.entries(r.monthToDate.byCurrency).map(([c, m]) => moneyJson(m, c)),
      unpriced: r.monthToDate.unknown,
    },
    price_lists: r.books.map(bookJson),
    errors: r.errors,
  };
}

const currencyOf = (i: CostReport["items"][number]) => ("currency" in i.rate ? i.rate.currency : "");
const moneyJson = (micros: number, currency: string) => ({
  micros,
  currency,
  text: formatMoney(micros, currency),
});

function render(deps: Deps, r: CostReport): void {
  const now = deps.clock.now();
  if (r.items.length === 0) deps.io.err.write("Nothing billable found.\n");
  else
    deps.io.out.write(
      renderTable(
        ["KIND", "PROVIDER", "NAME", "WHAT", "RATE", "AGE", "SINCE CREATED", "NOTE"],
        r.items.map((i) =>
          [
            i.kind,
            i.provider,
            i.name,
            `${i.detail}${i.region ? ` ${i.region}` : ""}`,
            formatRate(i.rate),
            formatDuration(Math.max(0, now - Date.parse(i.createdAt))),
            i.sinceCreated === null ? "unknown" : formatMoney(i.sinceCreated, currencyOf(i)),
            i.note ?? "",
          ].map(cell),
        ),
      ),
    );
  const totals = Object.entries(r.monthToDate.byCurrency).map(([c, m]) => formatMoney(m, c));
  deps.io.out.write(
    `Month to date (since ${r.monthStart.slice(0, 10)}, from local history): ${totals.length ? totals.join(" + ") : "0"}\n`,
  );
  for (const u of r.monthToDate.unknown)
    deps.io.out.write(`  not included: ${cell(u.name)}: ${cell(u.reason)}\n`);
  const sources = new Set(
    r.items.flatMap((i) =>
      "source" in i.rate ? [`${i.rate.source} (as of ${i.rate.asOf.slice(0, 10)})`] : [],
    ),
  );
  for (const s of sources) deps.io.err.write(`Prices: ${cell(s)}\n`);
  for (const b of r.books.map(bookJson)) {
    const t = b.traffic_per_tb;
    if (t)
      deps.io.err.write(
        `${cell(`${b.provider}: traffic beyond what a server includes costs ${formatMoney(t.micros, t.currency)}/TB`)} (not counted: spuff does not measure traffic)\n`,
      );
  }
}
