import { describe, expect, it } from "vitest";
import type { Snapshot } from "../providers/types.ts";
import { matchPrebuild, prebuildsOf, superseded } from "./catalog.ts";

const snap = (name: string, day: number): Snapshot => ({
  id: `id-${name}`,
  name,
  sizeGb: 2,
  createdAt: `2026-01-${String(day).padStart(2, "0")}T00:00:00.000Z`,
  regions: ["local"],
});
const H = (c: string) => c.repeat(16);
const all = [
  snap(`spuff-pb-app-${H("a")}`, 1),
  snap(`spuff-pb-app-${H("b")}`, 3),
  snap(`spuff-pb-app-${H("c")}`, 2),
  snap(`spuff-pb-web-${H("d")}`, 1),
  snap("box-20260101-000000", 9),
  snap(`spuff-pb-app-${H("e")}-copy`, 9),
];

describe("prebuild catalog", () => {
  it("lists only prebuild names, newest first, with project and hash", () => {
    expect(prebuildsOf(all).map((p) => [p.project, p.hash16[0]])).toEqual([
      ["app", "b"],
      ["app", "c"],
      ["app", "a"],
      ["web", "d"],
    ]);
    expect(matchPrebuild(all, `spuff-pb-app-${H("c")}`)?.id).toBe(`id-spuff-pb-app-${H("c")}`);
    expect(matchPrebuild(all, `spuff-pb-app-${H("e")}`)).toBeUndefined();
  });

  it("keep N per project: older ones are superseded, never another project's or a non-prebuild", () => {
    expect(superseded(all, 1).map((p) => p.hash16[0])).toEqual(["c", "a"]);
    expect(superseded(all, 2).map((p) => p.hash16[0])).toEqual(["a"]);
    expect(superseded(all, 1, "web")).toEqual([]);
    // keep 0 or a negative number still keeps the newest.
    expect(superseded(all, 0, "app").map((p) => p.hash16[0])).toEqual(["c", "a"]);
  });
});
