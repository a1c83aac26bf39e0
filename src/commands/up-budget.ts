/**
 * `up`'s budget check, run with the other pre-create checks: nothing is created, and nothing is
 * written to state, when it refuses. `--ignore-budget` goes ahead and says so on stderr.
 */
import type { Deps } from "../cli/deps.ts";
import type { Settings } from "../config/resolve.ts";
import { UserError } from "../core/errors.ts";
import { checkBudget } from "../cost/budget.ts";
import { addRuns, emptyTotals, monthStartMs, runRate } from "../cost/history.ts";
import { loadPriceBook } from "../cost/price-source.ts";
import { instanceRate, type PriceBook, publicIpv4Rate } from "../cost/prices.ts";
import { isKnown, type Priced } from "../cost/rate.ts";
import type { Provider } from "../providers/types.ts";
import type { InstanceStore } from "../state/instances.ts";

export interface BudgetTarget {
  name: string;
  provider: string;
  region: string;
  size: string;
  /** The plan's times: the new machine is counted for its whole max_lifetime (deadline − created). */
  createdAt: string;
  deadlineAt: string;
}

export async function enforceBudget(
  deps: Deps,
  settings: Pick<Settings, "budget">,
  plan: BudgetTarget,
  provider: Provider,
  store: InstanceStore,
  ignore: boolean,
): Promise<void> {
  const { budget } = settings;
  if (budget.monthlyMicros === undefined && budget.maxHourlyMicros === undefined) return;
  const now = deps.clock.now();
  const books = new Map<string, PriceBook>();
  const bookOf = async (name: string) => {
    let b = books.get(name);
    if (!b) {
      // The target's prices may be read now; other providers' only from the cache.
      const fetch = name === plan.provider ? { provider: async () => provider } : {};
      b = await loadPriceBook(name, { billing: store.billing, now, ...fetch });
      books.set(name, b);
    }
    return b;
  };
  const { rate, label } = withIpv4(await bookOf(plan.provider), plan);
  const currency = isKnown(rate) ? rate.currency : "";

  const monthStart = monthStartMs(now);
  const runs = store.billing.runsSince(new Date(monthStart).toISOString());
  for (const r of runs) if (!r.rate) await bookOf(r.provider);
  const mtd = emptyTotals();
  addRuns(mtd, runs, (r) => runRate(r, books.get(r.provider), store.billing), now);
  const running = runs
    .filter((r) => r.stoppedAt === null)
    .map((r) => {
      const deadline = store.get(r.instanceId)?.deadlineAt;
      const nextMonth = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() + 1, 1);
      return {
        name: r.name,
        rate: runRate(r, books.get(r.provider), store.billing),
        untilMs: deadline ? Date.parse(deadline) : nextMonth,
      };
    });
  const verdict = checkBudget({
    budget,
    currency,
    now,
    newMachine: {
      size: label,
      rate,
      untilMs: now + Math.max(0, Date.parse(plan.deadlineAt) - Date.parse(plan.createdAt)),
    },
    monthToDate: mtd.byCurrency[currency] ?? 0,
    unpriced: mtd.unknown.map((u) => u.name),
    running,
  });
  if (verdict.refusal) {
    if (!ignore) {
      throw new UserError("over_budget", `Not creating ${plan.name}: ${verdict.refusal}`, {
        hint:
          "Nothing was created. Pick a smaller --size, end machines you do not need (spuff list, spuff down), " +
          "raise the budget (spuff config set budget.monthly N), or go ahead anyway with --ignore-budget.",
      });
    }
    deps.io.err.write(`Budget ignored (--ignore-budget): ${verdict.refusal}\n`);
  }
  for (const w of verdict.warnings) deps.io.err.write(`Warning: ${w}\n`);
}

/** The new server's rate, plus its public IPv4 where that is billed apart (Hetzner, AWS). */
function withIpv4(book: PriceBook, plan: BudgetTarget): { rate: Priced; label: string } {
  const server = instanceRate(book, plan.region, plan.size);
  const ip = publicIpv4Rate(book, plan.region);
  if (!ip || !isKnown(server)) return { rate: server, label: plan.size };
  if (!isKnown(ip) || ip.currency !== server.currency || ip.per !== server.per) {
    return {
      rate: { unknown: `public IPv4: ${isKnown(ip) ? "another currency" : ip.unknown}` },
      label: plan.size,
    };
  }
  return {
    rate: { ...server, micros: server.micros + ip.micros },
    label: `${plan.size} with its public IPv4`,
  };
}
