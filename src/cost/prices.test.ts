/** Price sheets come from provider APIs: hostile or broken figures become Unknown, never 0 or text on a terminal. */
import { describe, expect, it } from "vitest";
import { pricingSheet } from "../providers/hetzner/pricing.ts";
import type { PriceSheet } from "../providers/types.ts";
import { instanceRate, type PriceBook, storageRate } from "./prices.ts";

const book = (sheet: PriceSheet): PriceBook => ({
  provider: "hetzner",
  api: { sheet, fetchedAt: "2026-12-03T00:00:00.000Z" },
});
const sheet = (over: Partial<PriceSheet> = {}): PriceSheet => ({
  currency: "EUR",
  source: "test",
  instances: [{ size: "cx22", region: "fsn1", hourly: { amount: "0.0071400000", net: "0.0060000000" } }],
  snapshotPerGbMonth: { amount: "0.0141610000" },
  ...over,
});

describe("hostile price sheets", () => {
  it("a currency that is not an ISO code, a negative or exponent price: unknown", () => {
    expect(instanceRate(book(sheet({ currency: "\u001b[31mEUR" })), "fsn1", "cx22")).toEqual({
      unknown: "unreadable hetzner currency",
    });
    const neg = sheet({ instances: [{ size: "cx22", region: "fsn1", hourly: { amount: "-1" } }] });
    expect(instanceRate(book(neg), "fsn1", "cx22")).toMatchObject({
      unknown: expect.stringMatching(/unreadable/),
    });
    const exp = sheet({ instances: [{ size: "cx22", region: "fsn1", hourly: { amount: "1e-3" } }] });
    expect(instanceRate(book(exp), "fsn1", "cx22")).toMatchObject({ unknown: expect.any(String) });
    expect(storageRate(book(sheet()), "snapshot", -3)).toMatchObject({
      unknown: expect.stringMatching(/size/),
    });
    expect(storageRate(book(sheet()), "volume", 1)).toMatchObject({
      unknown: expect.stringMatching(/no hetzner price/),
    });
  });

  it("a region the size is not sold in is unknown, not another region's price", () => {
    expect(instanceRate(book(sheet()), "ash", "cx22")).toMatchObject({ unknown: expect.any(String) });
    expect(instanceRate(book(sheet()), "fsn1", "cx22")).toMatchObject({ micros: 7_140, netMicros: 6_000 });
  });

  it("Hetzner's vat_rate reaches the source text only as a number", () => {
    const p = {
      currency: "EUR",
      vat_rate: "19\u001b[2J",
      image: { price_per_gb_month: { net: "1", gross: "1" } },
      volume: { price_per_gb_month: { net: "1", gross: "1" } },
      server_types: [],
    };
    expect(pricingSheet(p).source).toBe("Hetzner API GET /pricing (gross)");
    expect(pricingSheet({ ...p, vat_rate: "19.00" }).source).toBe(
      "Hetzner API GET /pricing (gross, VAT 19.00 %)",
    );
  });
});
