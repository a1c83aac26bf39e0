import { describe, expect, it } from "vitest";
import { type BudgetInput, checkBudget } from "./budget.ts";
import type { Rate } from "./rate.ts";

const H = 3_600_000;
const now = Date.parse("2026-12-10T12:00:00.000Z");
// DigitalOcean simulator catalog: s-2vcpu-4gb at 0.03571 USD/h.
const doRate: Rate = {
  micros: 35_710,
  per: "hour",
  currency: "USD",
  source: "GET /v2/sizes",
  asOf: "2026-12-10",
};

const input = (over: Partial<BudgetInput> = {}): BudgetInput => ({
  budget: {},
  currency: "USD",
  now,
  newMachine: { size: "s-2vcpu-4gb", rate: doRate, untilMs: now + 24 * H },
  monthToDate: 9_500_000,
  unpriced: [],
  running: [],
  ...over,
});

describe("checkBudget", () => {
  it("no budget: nothing to say", () => {
    expect(checkBudget(input())).toEqual({ warnings: [] });
  });

  it("refuses past budget.monthly and shows the sum: 9.50 + 0.85704 (24 h × 0.03571) = 10.35704 > 10", () => {
    const v = checkBudget(input({ budget: { monthlyMicros: 10_000_000 } }));
    expect(v.refusal).toContain("9.50 USD spent this month");
    expect(v.refusal).toContain("0.85704 USD new s-2vcpu-4gb (0.03571 USD/h × 1d to its max_lifetime)");
    expect(v.refusal).toContain("= 10.35704 USD, budget.monthly is 10.00 USD");
  });

  it("counts running machines until their max_lifetime: 2 h of another one pushes 9.90 over", () => {
    const running = [{ name: "other", rate: doRate, untilMs: now + 2 * H }];
    // 9.00 + 0.07142 + 0.85704 = 9.92846 ≤ 10: allowed, but over 80 %: a warning with the sum.
    const ok = checkBudget(input({ budget: { monthlyMicros: 10_000_000 }, monthToDate: 9_000_000, running }));
    expect(ok.refusal).toBeUndefined();
    expect(ok.warnings[0]).toMatch(/99 % of budget.monthly/);
    expect(ok.warnings[0]).toContain("0.07142 USD other (0.03571 USD/h × 2h to its max_lifetime)");
    expect(ok.warnings[0]).toContain("= 9.92846 USD");
    // A running machine in another currency is not converted, not counted.
    const eur = [
      { name: "hz", rate: { ...doRate, currency: "EUR", micros: 9_000_000 }, untilMs: now + 24 * H },
    ];
    expect(
      checkBudget(input({ budget: { monthlyMicros: 10_000_000 }, monthToDate: 0, running: eur })).warnings,
    ).toEqual([]);
  });

  it("refuses a machine whose rate exceeds budget.max_hourly; warns at 80 % of it", () => {
    expect(checkBudget(input({ budget: { maxHourlyMicros: 30_000 } })).refusal).toBe(
      "s-2vcpu-4gb costs 0.03571 USD/h; budget.max_hourly is 0.03 USD/h.",
    );
    const w = checkBudget(input({ budget: { maxHourlyMicros: 40_000 } }));
    expect(w.refusal).toBeUndefined();
    expect(w.warnings).toEqual(["s-2vcpu-4gb costs 0.03571 USD/h; budget.max_hourly is 0.04 USD/h (89 %)."]);
    expect(checkBudget(input({ budget: { maxHourlyMicros: 50_000 } })).warnings).toEqual([]);
  });

  it("an unknown price refuses (a budget cannot be checked against nothing)", () => {
    const v = checkBudget(
      input({
        budget: { maxHourlyMicros: 1 },
        newMachine: { size: "x", rate: { unknown: "stale" }, untilMs: now },
      }),
    );
    expect(v.refusal).toMatch(/price of x is unknown \(stale\)/);
  });
});
