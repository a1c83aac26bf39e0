/** The plan's spot lines: the price or why it is unknown, the cap, on-demand, and a cap under the price. */
import { describe, expect, it } from "vitest";
import { spotLines } from "./up-spot.ts";

const price = { amount: "0.012500", currency: "USD", zone: "us-east-1a", since: "2026-12-03T10:00:00.000Z" };
const onDemand = { amount: "0.0416", currency: "USD", source: "vendored table", as_of: "2025-06-01" };

describe("spotLines", () => {
  it("shows the spot price against on-demand, and the cap", () => {
    expect(spotLines({ max_price: null, price, on_demand: onDemand })).toBe(
      "  spot: 0.012500 USD/hour in us-east-1a (since 2026-12-03T10:00:00.000Z), capped at the on-demand price; on-demand: 0.0416 USD/hour (vendored table, 2025-06-01). AWS may reclaim it with 2 minutes' notice.\n",
    );
  });

  it("an unknown price is said to be unknown (never 0), and a cap under the price is warned about", () => {
    const unknown = spotLines({ max_price: "0.05", price: null, on_demand: null, error: "network error" });
    expect(unknown).toContain(
      "spot: unknown (network error), capped at 0.05 USD/hour; on-demand: unknown here",
    );
    expect(unknown).not.toMatch(/\b0 USD/);
    const low = spotLines({ max_price: "0.001", price, on_demand: onDemand, below_price: true });
    expect(low).toContain(
      "warning: the cap 0.001 is under the current spot price: EC2 will refuse the launch",
    );
  });
});
