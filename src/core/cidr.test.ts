import { describe, expect, it } from "vitest";
import { cidrContains, parseCidr } from "./cidr.ts";

describe("CIDR blocks", () => {
  it("parses v4 and v6 blocks and bare addresses, canonicalising host bits away", () => {
    expect(parseCidr("203.0.113.77/24")?.text).toBe("203.0.113.0/24");
    expect(parseCidr("0.0.0.0/0")?.text).toBe("0.0.0.0/0");
    expect(parseCidr("10.1.2.3")?.text).toBe("10.1.2.3/32");
    expect(parseCidr("2001:db8::1/32")?.text).toBe("2001:db8::/32");
    expect(parseCidr("::/0")?.text).toBe("::/0");
  });

  it("refuses malformed and hostile values", () => {
    for (const bad of [
      "",
      "1.2.3.4/33",
      "1.2.3/24",
      "256.1.1.1/8",
      "1.2.3.4/24/1",
      "::/129",
      "1.2.3.4/-1",
      "1.2.3.4/ 8",
      "$(id)/8",
      "1.2.3.4/8\n",
    ])
      expect(parseCidr(bad), bad).toBeUndefined();
  });

  it("tests membership per family", () => {
    expect(cidrContains("127.0.0.0/8", "127.0.0.1")).toBe(true);
    expect(cidrContains("0.0.0.0/0", "203.0.113.9")).toBe(true);
    expect(cidrContains("203.0.113.0/24", "127.0.0.1")).toBe(false);
    expect(cidrContains("::/0", "127.0.0.1")).toBe(false);
    expect(cidrContains("2001:db8::/32", "2001:db8:1::5")).toBe(true);
    expect(cidrContains("2001:db8::/32", "2001:db9::5")).toBe(false);
    expect(cidrContains("::ffff:0:0/96", "::ffff:127.0.0.1")).toBe(true);
    expect(cidrContains("nonsense", "127.0.0.1")).toBe(false);
  });
});
