/** The deadline reaper with unsaved work: snapshot first, or keep the instance (DigitalOcean simulator). */
import { describe, expect, it } from "vitest";
import { useDoSimDeps } from "../../test/helpers/do-sim-deps.ts";
import { sample } from "../../test/helpers/instances.ts";
import { unsavedAnswer } from "../../test/helpers/unsaved-answers.ts";
import type { ScrubFn } from "../commands/snapshot.ts";
import type { CheckUnsavedFn } from "../commands/unsaved-check.ts";
import { reapExpired } from "./reaper.ts";

const t = useDoSimDeps("reap-unsaved");

const unreachable: CheckUnsavedFn = async () => ({ ok: false, error: "connection refused" });
const clean = unsavedAnswer(1);
const scrub: ScrubFn = async () => ({ restore: async () => {}, close: async () => {} });
const failingScrub: ScrubFn = async () => {
  throw new Error("ssh: connection refused");
};

async function expired(name: string) {
  const id = await t.dropletFor(name);
  const store = await t.deps.state();
  store.save(
    sample(name, {
      providerId: id,
      status: "ready",
      readyAt: "2000-01-01T00:00:00Z",
      deadlineAt: "2000-01-01T01:00:00Z",
    }),
  );
  return { id, store };
}

describe("reaper and unsaved work", () => {
  it("cannot ask the machine: snapshots, destroys, and says how to bring it back", async () => {
    const { store } = await expired("old");
    const reaped = await reapExpired(t.deps, store, { check: unreachable, scrub });
    const [snap] = [...t.sim.state.snapshots.values()];
    expect(snap).toBeDefined();
    expect(reaped).toMatchObject([{ name: "old", snapshot: { id: String(snap?.id) } }]);
    expect(t.sim.state.droplets.size).toBe(0);
    expect(store.getByName("old")).toBeUndefined();
    expect(t.io.stderr()).toContain(`spuff up old --snapshot ${snap?.id}`);
    expect(t.sim.validator?.violations).toEqual([]);
  });

  it("no snapshot possible: the instance is kept (and the line says so); nothing unsaved: destroyed without one", async () => {
    const { store } = await expired("stuck");
    expect(await reapExpired(t.deps, store, { check: unreachable, scrub: failingScrub })).toEqual([]);
    expect(t.sim.state.droplets.size).toBe(1);
    expect(store.getByName("stuck")).toBeDefined();
    expect(t.io.stderr()).toMatch(/could not be snapshotted .*kept.*--discard-unsaved/);
    store.remove(store.getByName("stuck")?.id ?? "");
    await expired("tidy");
    await reapExpired(t.deps, store, { check: clean, scrub: failingScrub });
    expect(t.sim.state.snapshots.size).toBe(0);
    expect(store.getByName("tidy")).toBeUndefined();
  });
});
