import { describe, expect, it } from "vitest";
import { useDoSimDeps } from "../../test/helpers/do-sim-deps.ts";
import { runSnapshotDelete, runSnapshotList } from "./snapshot.ts";

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
});
