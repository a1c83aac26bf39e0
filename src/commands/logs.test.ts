import { describe, expect, it } from "vitest";
import { ExitCode } from "../core/errors.ts";
import { parseLineCount } from "./logs.ts";

describe("logs -n", () => {
  it("takes 1–10000 (the agent's own cap), 100 when not given", () => {
    expect(parseLineCount(undefined)).toBe(100);
    expect(parseLineCount("5")).toBe(5);
    expect(parseLineCount("10000")).toBe(10_000);
  });
  it("refuses anything else as a usage error (exit 2)", () => {
    for (const bad of ["0", "10001", "-1", "abc", "1.5", ""]) {
      expect(() => parseLineCount(bad), bad).toThrow(expect.objectContaining({ exitCode: ExitCode.usage }));
    }
  });
});
