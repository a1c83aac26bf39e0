/** scripts/size-check.ts: what it measures, and its verdict with the allowlist. */
import { describe, expect, it } from "vitest";
import { check, longFunctions, type Offender } from "../scripts/size-check.ts";

const body = (n: number) => Array.from({ length: n - 2 }, (_, i) => `  x${i}();`).join("\n");
const fn = (head: string, n: number) => `${head} {\n${body(n)}\n}`;

describe("longFunctions", () => {
  it("measures declarations, arrows, methods and constructors from first line to last", () => {
    const text = [
      fn("function decl()", 121),
      fn("function short()", 120),
      fn("const arrow = () =>", 130),
      `class Box {\n${fn("constructor()", 125)}\n${fn("get size()", 122)}\n${fn("run()", 10)}\n}`,
      `const table = {\n${fn("build: function ()", 140)}\n};`,
    ].join("\n");
    expect(longFunctions("src/x.ts", text)).toEqual([
      { name: "decl", line: 1, lines: 121 },
      { name: "arrow", line: 242, lines: 130 },
      { name: "Box.constructor", line: 373, lines: 125 },
      { name: "Box.size", line: 498, lines: 122 },
      { name: "build", line: 632, lines: 140 },
    ]);
  });

  it("counts a nested function inside its parent as well", () => {
    const text = `function outer() {\n${fn("  function inner()", 125)}\n}`;
    expect(longFunctions("src/x.ts", text).map((f) => f.name)).toEqual(["outer", "inner"]);
  });

  it("skips describe/it callbacks in test files only, not the helpers defined there", () => {
    const suite = `describe.each([1])("s", () => {\n${fn("  it('t', () =>", 130)});\n});`;
    const helper = fn("function helper()", 130);
    expect(longFunctions("src/x.test.ts", `${suite}\n${helper}`).map((f) => f.name)).toEqual(["helper"]);
    expect(longFunctions("src/x.ts", suite)).toHaveLength(2);
  });
});

describe("check", () => {
  const o = (key: string): Offender => ({ key, what: key });

  it("fails on offenders not allowlisted and on allowlist entries that no longer offend", () => {
    expect(check([o("a.ts"), o("b.ts:f")], ["a.ts", "gone.ts"])).toEqual({
      fresh: [o("b.ts:f")],
      allowed: [o("a.ts")],
      stale: ["gone.ts"],
    });
  });
});
