import { describe, expect, it } from "vitest";
import { useDoSimDeps } from "../../test/helpers/do-sim-deps.ts";
import { sample } from "../../test/helpers/instances.ts";
import {
  defaultSnapshotName,
  runSnapshotCreate,
  runSnapshotDelete,
  runSnapshotList,
  type ScrubFn,
} from "./snapshot.ts";

const t = useDoSimDeps("snap");

describe("spuff snapshot", () => {
  it("lists snapshots as JSON and deletes one (twice: idempotent)", async () => {
    const id = await t.dropletFor("snapbox");
    t.sim.state.snapshots.set(5, {
      id: 5,
      name: "nightly",
      createdAt: 0,
      region: "fra1",
      sizeGb: 3,
      minDisk: 25,
      dropletId: Number(id),
    });
    t.deps.close();
    t.deps = t.makeDeps(true);
    await runSnapshotList(t.deps);
    expect(JSON.parse(t.io.stdout())).toEqual([
      { id: "5", name: "nightly", sizeGb: 3, createdAt: "1970-01-01T00:00:00Z", regions: ["fra1"] },
    ]);
    await runSnapshotDelete(t.deps, "5");
    await runSnapshotDelete(t.deps, "5");
    expect(t.sim.state.snapshots.size).toBe(0);
    expect(t.sim.validator?.violations).toEqual([]);
  });

  it("snapshot create: the only instance by default, a dated name unless --name, JSON result", async () => {
    const id = await t.dropletFor("dev");
    (await t.deps.state()).save(sample("dev", { providerId: id, status: "ready" }));
    t.deps.close();
    t.deps = t.makeDeps(true);
    const events: string[] = [];
    const scrub: ScrubFn = async (_d, rec) => {
      events.push(`scrub ${rec.name} (snapshots: ${t.sim.state.snapshots.size})`);
      return {
        restore: async () => void events.push(`restore (snapshots: ${t.sim.state.snapshots.size})`),
        close: async () => void events.push("close"),
      };
    };
    await runSnapshotCreate(t.deps, undefined, { name: "before-upgrade", scrub });
    // Secrets leave the machine before the snapshot exists and come back after (it keeps running).
    expect(events).toEqual(["scrub dev (snapshots: 0)", "restore (snapshots: 1)", "close"]);
    const out = JSON.parse(t.io.stdout());
    expect(out).toMatchObject({
      instance: "dev",
      provider: "digitalocean",
      snapshot: { name: "before-upgrade" },
    });
    expect([...t.sim.state.snapshots.values()]).toMatchObject([
      { name: "before-upgrade", dropletId: Number(id) },
    ]);
    expect(t.sim.validator?.violations).toEqual([]);
  });

  it("snapshot create refuses an instance that never reached the provider", async () => {
    (await t.deps.state()).save(sample("early", { providerId: null }));
    await expect(runSnapshotCreate(t.deps, "early")).rejects.toMatchObject({ code: "instance_not_created" });
  });

  it("snapshot create refuses an instance it cannot reach to remove its secrets (no snapshot taken)", async () => {
    const id = await t.dropletFor("far");
    (await t.deps.state()).save(sample("far", { providerId: id, status: "ready", ip: null, hostKey: null }));
    await expect(runSnapshotCreate(t.deps, "far")).rejects.toMatchObject({ code: "instance_not_ready" });
    expect(t.sim.state.snapshots.size).toBe(0);
  });

  it("default names are valid on every provider (local machines are the strictest)", () => {
    expect(defaultSnapshotName("Dev-Box", Date.UTC(2026, 11, 1, 9, 5, 7))).toBe("dev-box-20261201-090507");
    expect(defaultSnapshotName("dev", 0)).toMatch(/^[a-z0-9][a-z0-9._-]{0,62}$/);
  });
});
