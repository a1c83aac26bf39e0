import { describe, expect, it } from "vitest";
import { parseVolumeFlag, planVolume } from "./spec.ts";

describe("volume names and sizes", () => {
  it("parses NAME, NAME:GB and :GB", () => {
    expect(parseVolumeFlag("w")).toEqual({ name: "w" });
    expect(parseVolumeFlag("work-1:20")).toEqual({ name: "work-1", sizeGb: 20 });
    expect(parseVolumeFlag(":5")).toEqual({ sizeGb: 5 });
  });

  it("refuses every name that could mean something to a shell, fstab, a path or an API", () => {
    for (const bad of [
      "$(id)",
      "a;b",
      "a b",
      "../etc",
      "a/b",
      "W",
      "-w",
      "1w",
      "w\n",
      "w\\x",
      "w`id`",
      "a".repeat(64),
      "w:0",
      "w:16385",
      "w:1.5",
      "w:-1",
      "w:10:1",
    ]) {
      expect(() => parseVolumeFlag(bad), bad).toThrow(/Invalid volume|Invalid --volume/);
    }
  });

  it("flag over spuff.yaml over config; the name falls back to the project's; 10 GB by default", () => {
    expect(planVolume({}, "box")).toBeUndefined();
    expect(planVolume({ config: { sizeGb: 30 } }, "box")).toBeUndefined();
    expect(planVolume({ flag: { name: "w" } }, "box")).toEqual({ name: "w", sizeGb: 10, sizeAsked: false });
    expect(planVolume({ flag: { sizeGb: 5 }, project: { name: "p", sizeGb: 7 } }, "box")).toEqual({
      name: "p",
      sizeGb: 5,
      sizeAsked: true,
    });
    expect(planVolume({ project: { sizeGb: 7 }, config: { sizeGb: 30 } }, "box")).toEqual({
      name: "box",
      sizeGb: 7,
      sizeAsked: true,
    });
    expect(planVolume({ config: { name: "c", sizeGb: 30 } }, "box")).toMatchObject({ name: "c", sizeGb: 30 });
    expect(() => planVolume({ project: {} }, "Box_1")).toThrow(/Invalid volume name/);
  });
});
