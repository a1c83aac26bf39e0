import { describe, expect, it } from "vitest";
import { toImageSpec } from "./image-spec.ts";

describe("toImageSpec", () => {
  it("reads distro images in the spellings providers use", () => {
    expect(toImageSpec("debian-12")).toEqual({ kind: "debian", version: "12" });
    expect(toImageSpec("ubuntu-24.04")).toEqual({ kind: "ubuntu", version: "24.04" });
    expect(toImageSpec("ubuntu-24-04-x64")).toEqual({ kind: "ubuntu", version: "24.04" });
  });
  it("passes other ids through and lets a snapshot win", () => {
    expect(toImageSpec("ami-0abc")).toEqual({ kind: "custom", id: "ami-0abc" });
    expect(toImageSpec("debian-12", "snap-1")).toEqual({ kind: "snapshot", id: "snap-1" });
  });
});
