import { describe, expect, it } from "vitest";
import { formatAmount, formatMoney, mulDiv, parseMicros } from "./money.ts";

describe("parseMicros", () => {
  it("reads providers' decimal text and JSON numbers digit by digit", () => {
    expect(parseMicros("0.0071400000")).toBe(7140);
    expect(parseMicros(0.03571)).toBe(35710);
    expect(parseMicros(24)).toBe(24_000_000);
    expect(parseMicros("0.0000005")).toBe(1); // half up at the sixth place
    expect(parseMicros("0.0000004")).toBe(0);
    expect(parseMicros("0")).toBe(0);
  });

  it("refuses what is not a plain non-negative decimal (never a silent 0)", () => {
    for (const bad of ["", "-1", "1e3", "abc", "0x10", "1.2.3", " ", "NaN", "Infinity", "1,5"]) {
      expect(parseMicros(bad), bad).toBeUndefined();
    }
    for (const bad of [-0.5, Number.NaN, Number.POSITIVE_INFINITY, 1e-7, 1e21]) {
      expect(parseMicros(bad), String(bad)).toBeUndefined();
    }
    expect(parseMicros("99999999999999999999")).toBeUndefined(); // beyond safe integers
  });
});

describe("arithmetic and formatting", () => {
  it("sums of many small shares do not drift (integers throughout)", () => {
    // 0.1 USD a month, charged in 730 one-hour slices, adds back up to exactly 0.1.
    let total = 0;
    for (let h = 0; h < 730; h++) total += mulDiv(100_000, 1, 730);
    expect(Math.abs(total - 100_000)).toBeLessThanOrEqual(730 / 2);
    expect(mulDiv(35_710, 5 * 3_600_000, 3_600_000)).toBe(178_550);
  });

  it("keeps the digits an hourly rate needs, and two decimals at least", () => {
    expect(formatAmount(7140)).toBe("0.00714");
    expect(formatAmount(24_000_000)).toBe("24.00");
    expect(formatAmount(178_550)).toBe("0.17855");
    expect(formatMoney(1_500_000, "EUR")).toBe("1.50 EUR");
  });
});
