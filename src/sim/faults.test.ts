import { describe, expect, it } from "vitest";
import { FaultInjector, mulberry32 } from "./faults.ts";

describe("fault injection", () => {
  it("is deterministic per seed and close to the requested rate", () => {
    const run = (seed: number) => {
      const f = new FaultInjector({ rate: 0.3, seed });
      return Array.from({ length: 1000 }, () => f.decide("GET", "/x"));
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
    const faulted = run(3).filter((x) => x !== "none").length;
    expect(faulted).toBeGreaterThan(250);
    expect(faulted).toBeLessThan(350);
  });

  it("applies scripted faults first, once each, to the matching request only", () => {
    const f = new FaultInjector({ script: [{ method: "POST", path: "/a", fault: "reset-after" }] });
    expect(f.decide("GET", "/a")).toBe("none");
    expect(f.decide("POST", "/a")).toBe("reset-after");
    expect(f.decide("POST", "/a")).toBe("none");
  });

  it("mulberry32 yields values in [0,1)", () => {
    const r = mulberry32(42);
    for (let i = 0; i < 1000; i++) {
      const x = r();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});
