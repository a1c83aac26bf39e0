import { describe, expect, it } from "vitest";
import { BUNDLE_SCRIPT } from "../bundles/catalog.ts";
import { type PrebuildInputs, parsePrebuildName, prebuildHash, prebuildKey, projectSlug } from "./key.ts";

const base: PrebuildInputs = {
  provider: "local",
  image: "debian-12",
  user: "dev",
  background: ["shell-tools"],
  project: { bundles: ["node"], packages: ["jq", "tree", "less"], prebuild: ["echo warm > ~/warm"] },
};

describe("prebuild hash", () => {
  it("is stable for the same inputs (a fresh object each time)", () => {
    expect(prebuildHash(structuredClone(base))).toBe(prebuildHash(structuredClone(base)));
    expect(prebuildHash(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes with every input that goes into the snapshot", () => {
    const h = prebuildHash(base);
    const variants: PrebuildInputs[] = [
      { ...base, provider: "digitalocean" },
      { ...base, image: "debian-13" },
      { ...base, user: "alice" },
      { ...base, background: [] },
      { ...base, background: ["shell-tools", "python"] },
      { ...base, project: { ...base.project, bundles: [] } },
      { ...base, project: { ...base.project, packages: ["jq", "tree"] } },
      { ...base, project: { ...base.project, packages: ["jq", "tree", "less", "git"] } },
      { ...base, project: { ...base.project, prebuild: ["echo warm >  ~/warm"] } },
      { ...base, project: { ...base.project, prebuild: [] } },
      // The same bundle chosen by config instead of by the project runs elsewhere (background).
      { ...base, background: ["shell-tools", "node"], project: { ...base.project, bundles: [] } },
    ];
    const hashes = variants.map(prebuildHash);
    for (const v of hashes) expect(v).not.toBe(h);
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it("changes when a selected bundle's script changes", () => {
    const h = prebuildHash(base);
    const node = BUNDLE_SCRIPT.node;
    (BUNDLE_SCRIPT as Record<string, string>).node = `${node}# changed\n`;
    try {
      expect(prebuildHash(base)).not.toBe(h);
    } finally {
      (BUNDLE_SCRIPT as Record<string, string>).node = node;
    }
    expect(prebuildHash(base)).toBe(h);
  });

  it("a list's item boundaries count: [a b] is not [a, b]", () => {
    const one = { ...base, project: { ...base.project, prebuild: ["a", "b"] } };
    const two = { ...base, project: { ...base.project, prebuild: ["a b"] } };
    const three = { ...base, project: { ...base.project, prebuild: ['a","b'] } };
    expect(new Set([one, two, three].map(prebuildHash)).size).toBe(3);
  });
});

describe("prebuild names", () => {
  it("are spuff-pb-PROJECT-HASH16, parse back, and fit a local image name", () => {
    const k = prebuildKey("My App!", base);
    expect(k.name).toBe(`spuff-pb-my-app-${k.hash.slice(0, 16)}`);
    expect(parsePrebuildName(k.name)).toEqual({ project: "my-app", hash16: k.hash.slice(0, 16) });
    const long = prebuildKey("x".repeat(200), base).name;
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9][a-z0-9._-]{0,62}$/);
  });

  it("hostile project names become a plain slug; other snapshot names are not prebuilds", () => {
    expect(projectSlug("../../etc;rm -rf /")).toBe("etc-rm-rf");
    expect(projectSlug("$(reboot)\n")).toBe("reboot");
    expect(projectSlug("---")).toBe("project");
    for (const n of [
      "box-20260101",
      "spuff-pb-app-XYZ",
      "spuff-pb--0123456789abcdef",
      "spuff-pb-app-0123456789abcdef0",
    ])
      expect(parsePrebuildName(n)).toBeUndefined();
  });
});
