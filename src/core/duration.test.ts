import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./duration.ts";

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["2h", 7_200_000],
    ["1h30m", 5_400_000],
    ["1d", 86_400_000],
    ["250ms", 250],
    ["45", 45_000],
    [" 2H ", 7_200_000],
    [60, 60_000],
  ])("%s → %d ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["banana", "", "2 h", "h", "-5s", "1.5h", "10x"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("formatDuration", () => {
  it("is compact and round-trips whole units", () => {
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(1500)).toBe("1.5s");
    expect(formatDuration(86_400_000)).toBe("1d");
    expect(parseDuration(formatDuration(5_400_000))).toBe(5_400_000);
  });
});
