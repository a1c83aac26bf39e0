import { describe, expect, it } from "vitest";
import { visibleLine as printable, visible } from "./visible.ts";

describe("visibleLine (names read from an API reach the terminal)", () => {
  it("shows escape sequences and other control characters escaped, and bounds the length", () => {
    expect(printable("evil\u001b]0;pwned\u0007@x.com")).toBe("evil\\u001b]0;pwned\\u0007@x.com");
    expect(printable("a\u202eb\r\nc")).toBe("a\\u202eb c");
    expect(printable("x".repeat(500), 10)).toBe(`${"x".repeat(9)}…`);
    expect(printable(undefined)).toBe("");
  });
});

describe("visible (text from elsewhere on a terminal)", () => {
  it("escapes C0/C1 controls, bidi overrides and line separators; keeps other text", () => {
    expect(visible("a\u001b[2Jb\u009bc\u202ed\u2028e")).toBe("a\\u001b[2Jb\\u009bc\\u202ed\\u2028e");
    expect(visible("ünïcödé ✓ 日本")).toBe("ünïcödé ✓ 日本");
  });
});
