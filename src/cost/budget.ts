/**
 * `up`'s budget check, pure: the new machine's rate against `budget.max_hourly`, and month-to-date
 * spend plus what the running machines and the new one cost until their max_lifetime against
 * `budget.monthly`, all in the target provider's currency (other currencies are not converted:
 * their spend is not counted). The verdict carries the arithmetic, shown whether it refuses or warns.
 */
import { formatDuration } from "../core/duration.ts";
import { formatMoney } from "./money.ts";
import { costBetween, formatRate, hourlyMicros, isKnown, type Priced, type Rate } from "./rate.ts";

/** From this share of a budget on, `up` warns. */
export const WARN_SHARE = { num: 4, den: 5 };

export interface BudgetInput {
  budget: { monthlyMicros?: number; maxHourlyMicros?: number };
  currency: string;
  now: number;
  newMachine: { size: string; rate: Priced; untilMs: number };
  /** Month-to-date spend in `currency` (micro-units) and what could not be priced. */
  monthToDate: number;
  unpriced: string[];
  running: { name: string; rate: Priced; untilMs: number }[];
}

export interface BudgetVerdict {
  /** Why `up` must not go ahead (with the arithmetic); absent when it may. */
  refusal?: string;
  warnings: string[];
}

const pct = (part: number, whole: number) => (whole > 0 ? Math.floor((part * 100) / whole) : 100);
const over80 = (part: number, whole: number) => part * WARN_SHARE.den >= whole * WARN_SHARE.num;

export function checkBudget(i: BudgetInput): BudgetVerdict {
  const { budget } = i;
  const warnings: string[] = [];
  if (budget.monthlyMicros === undefined && budget.maxHourlyMicros === undefined) return { warnings };
  const rate = i.newMachine.rate;
  if (!isKnown(rate)) {
    return {
      refusal: `The price of ${i.newMachine.size} is unknown (${rate.unknown}), so the budget cannot be checked.`,
      warnings,
    };
  }
  const money = (m: number) => formatMoney(m, i.currency);
  const hourly = hourlyMicros(rate);
  if (budget.maxHourlyMicros !== undefined) {
    const line = `${i.newMachine.size} costs ${formatRate(rate)}; budget.max_hourly is ${money(budget.maxHourlyMicros)}/h`;
    if (hourly > budget.maxHourlyMicros) return { refusal: `${line}.`, warnings };
    if (over80(hourly, budget.maxHourlyMicros))
      warnings.push(`${line} (${pct(hourly, budget.maxHourlyMicros)} %).`);
  }
  if (budget.monthlyMicros !== undefined) {
    const { total, lines } = monthlyArithmetic(i, rate);
    const sum = `${lines.join("\n  + ")}\n  = ${money(total)}, budget.monthly is ${money(budget.monthlyMicros)}`;
    if (total > budget.monthlyMicros)
      return { refusal: `This month's spend would pass budget.monthly:\n  ${sum}.`, warnings };
    if (over80(total, budget.monthlyMicros))
      warnings.push(
        `This month's spend would reach ${pct(total, budget.monthlyMicros)} % of budget.monthly:\n  ${sum}.`,
      );
  }
  return { warnings };
}

function monthlyArithmetic(i: BudgetInput, rate: Rate): { total: number; lines: string[] } {
  const money = (m: number) => formatMoney(m, i.currency);
  const lines = [`${money(i.monthToDate)} spent this month (local history)`];
  if (i.unpriced.length) lines[0] += ` (not counted, price unknown: ${i.unpriced.join(", ")})`;
  let total = i.monthToDate;
  const share = (r: Rate, until: number) => costBetween(r, i.now, Math.max(i.now, until));
  for (const m of i.running) {
    if (!isKnown(m.rate) || m.rate.currency !== i.currency) continue;
    const c = share(m.rate, m.untilMs);
    total += c;
    lines.push(
      `${money(c)} ${m.name} (${formatRate(m.rate)} × ${formatDuration(Math.max(0, m.untilMs - i.now))} to its max_lifetime)`,
    );
  }
  const c = share(rate, i.newMachine.untilMs);
  total += c;
  lines.push(
    `${money(c)} new ${i.newMachine.size} (${formatRate(rate)} × ${formatDuration(Math.max(0, i.newMachine.untilMs - i.now))} to its max_lifetime)`,
  );
  return { total, lines };
}
