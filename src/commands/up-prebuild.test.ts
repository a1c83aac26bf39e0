/** `up` looking for the prebuild of its environment: a match boots it, anything else says so once. */
import { describe, expect, it } from "vitest";
import { createDeps } from "../cli/deps.ts";
import { generateHostKey } from "../cloudinit/host-key.ts";
import { resolveSettings } from "../config/resolve.ts";
import { createTestIO } from "../core/io.ts";
import type { Project } from "../project/load.ts";
import type { Provider, Snapshot } from "../providers/types.ts";
import { planEnvironment } from "../up/environment.ts";
import { planUp } from "../up/plan.ts";
import type { CommandPlan } from "./up-plan.ts";
import { prebuildKeyOf } from "./up-plan.ts";
import { withPrebuild } from "./up-prebuild.ts";

const project: Project = {
  file: "/p/spuff.yaml",
  root: "/p",
  name: "app",
  resources: {},
  bundles: ["node"],
  packages: ["tree"],
  repositories: [],
  env: { API_KEY: "s3cret-value-123" },
  secretKeys: ["API_KEY"],
  setup: [],
  prebuild: ["npm ci"],
  ports: [],
  hooks: {},
  reads: [],
  digest: "0".repeat(64),
};

function planned(p: Project | null = project): CommandPlan {
  const settings = resolveSettings({ provider: "local" }, {});
  const userPublicKey = generateHostKey("me@laptop").publicKey;
  const plan = planUp(settings, { name: "box" }, { now: 0, userPublicKey, hostKey: generateHostKey() });
  const proj = p ?? undefined;
  return { settings, userPublicKey, project: proj, plan, environment: planEnvironment(settings, proj) };
}

function setup(snapshots: Snapshot[] | Error) {
  const io = createTestIO();
  const deps = createDeps({ io, env: {}, logLevel: "error", json: false });
  let calls = 0;
  const provider = {
    name: "local",
    listSnapshots: async () => {
      calls++;
      if (snapshots instanceof Error) throw snapshots;
      return snapshots;
    },
  } as unknown as Provider;
  return { io, deps, provider, calls: () => calls };
}

const snap = (name: string, regions = ["local"]): Snapshot => ({
  id: `img-${name}`,
  name,
  sizeGb: 1,
  createdAt: "2026-01-01T00:00:00Z",
  regions,
});

describe("up with prebuilds", () => {
  it("a matching prebuild: boots it with a new host key, labels it, marks the environment cached", async () => {
    const c = planned();
    const key = prebuildKeyOf(c);
    expect(key?.name).toMatch(/^spuff-pb-app-[0-9a-f]{16}$/);
    const t = setup([snap("spuff-pb-app-0000000000000000"), snap(key?.name as string)]);
    const out = await withPrebuild(t.deps, t.provider, c, {});
    expect(out.plan.imageSpec).toEqual({ kind: "snapshot", id: `img-${key?.name}` });
    expect(out.plan.labels["spuff-prebuild"]).toBe(key?.name);
    expect(out.plan.hostPublicKey).not.toBe(c.plan.hostPublicKey);
    expect(out.plan.name).toBe("box");
    expect(out.environment.prebuild).toEqual({ id: `img-${key?.name}`, name: key?.name });
    expect(out.project).toBe(c.project); // the approved project, never read again
    expect(t.io.stderr()).toBe(`Booting prebuild ${key?.name} (img-${key?.name})\n`);
  });

  it("none, or only in another region: one line with the hint, and the plan unchanged", async () => {
    const c = planned();
    const key = prebuildKeyOf(c)?.name as string;
    for (const snaps of [[snap("spuff-pb-app-0000000000000000")], [snap(key, ["fra1"])]]) {
      const t = setup(snaps);
      expect(await withPrebuild(t.deps, t.provider, c, {})).toBe(c);
      const lines = t.io.stderr().trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^No prebuild of this environment.*\\(${key}\\); installing from scratch\\. Make one with: spuff prebuild`,
        ),
      );
    }
  });

  it("the provider cannot list: says so and goes on from scratch", async () => {
    const t = setup(new Error("503 from the API"));
    const c = planned();
    expect(await withPrebuild(t.deps, t.provider, c, {})).toBe(c);
    expect(t.io.stderr()).toMatch(
      /^Could not look for a prebuild \(503 from the API\); installing from scratch\.\n$/,
    );
  });

  it("nothing to look for: --image/--snapshot given, no project, or nothing a prebuild holds", async () => {
    const c = planned();
    for (const opts of [{ image: "debian-12" }, { snapshot: "mine" }]) {
      const t = setup([]);
      expect(await withPrebuild(t.deps, t.provider, c, opts)).toBe(c);
      expect(t.calls()).toBe(0);
    }
    for (const p of [null, { ...project, bundles: [], packages: [], prebuild: [] }]) {
      const t = setup([]);
      const bare = planned(p);
      expect(await withPrebuild(t.deps, t.provider, bare, {})).toBe(bare);
      expect(t.calls()).toBe(0);
      expect(t.io.stderr()).toBe("");
    }
  });
});
