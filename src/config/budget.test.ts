import { describe, expect, it } from "vitest";
import { resolveSettings } from "./resolve.ts";
import { configFileSchema } from "./schema.ts";

describe("budget config", () => {
  it("amounts as YAML numbers or text become micro-units of the provider's currency", () => {
    const file = configFileSchema.parse({ budget: { monthly: 20, max_hourly: "0.05" } });
    expect(resolveSettings(file, {}).budget).toEqual({ monthlyMicros: 20_000_000, maxHourlyMicros: 50_000 });
    expect(resolveSettings(configFileSchema.parse({}), {}).budget).toEqual({});
  });

  it("refuses negative, exponent, non-numeric amounts and unknown keys", () => {
    for (const bad of [
      { monthly: -1 },
      { monthly: "1e3" },
      { monthly: "ten" },
      { max_hourly: 1e-9 },
      { daily: 5 },
    ]) {
      expect(configFileSchema.safeParse({ budget: bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
