import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { useDoSimDeps } from "../../test/helpers/do-sim-deps.ts";
import { sample } from "../../test/helpers/instances.ts";
import { ExitCode } from "../core/errors.ts";
import { ProviderError } from "../providers/errors.ts";
import { currentOwner } from "../state/owner.ts";
import { runDown } from "./down.ts";

const t = useDoSimDeps("down");

describe("spuff down (provider half)", () => {
  it("destroys the droplet, confirms at the provider that it is gone, and forgets the instance", async () => {
    const id = await t.dropletFor("box");
    (await t.deps.state()).save(sample("box", { providerId: id, status: "ready" }));
    await runDown(t.deps, "box", { yes: true });
    expect(t.sim.state.droplets.size).toBe(0);
    expect((await t.deps.state()).getByName("box")).toBeUndefined();
    expect(t.io.stdout()).toBe("Destroyed box\n");
    // The DELETE and then at least one GET that answered 404: the provider's word, not our guess.
    const calls = t.sim.requests.map((r) => `${r.method} ${r.path}`);
    expect(calls).toContain(`DELETE /v2/droplets/${id}`);
    expect(calls.lastIndexOf(`GET /v2/droplets/${id}`)).toBeGreaterThan(
      calls.indexOf(`DELETE /v2/droplets/${id}`),
    );
    expect(t.sim.validator?.violations).toEqual([]);
  });

  it("refuses to forget a record a live `up` is still creating (no provider id yet), even with --force", async () => {
    const store = await t.deps.state();
    store.save(sample("young", { status: "creating" }));
    const rec = store.getByName("young");
    store.update(rec?.id ?? "", { owner: currentOwner() });
    const err = await runDown(t.deps, "young", { force: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "instance_being_created", exitCode: ExitCode.state });
    expect(store.getByName("young")).toBeDefined();
    // Once that process is gone, the record is just an intent that never produced an instance.
    store.update(rec?.id ?? "", { owner: { pid: 2 ** 22 + 1, host: hostname(), start: null } });
    await runDown(t.deps, "young", { force: true });
    expect(store.getByName("young")).toBeUndefined();
  });

  it("treats a droplet already gone (404) as destroyed", async () => {
    (await t.deps.state()).save(sample("ghost", { providerId: "999", status: "ready" }));
    await runDown(t.deps, "ghost", { yes: true });
    expect((await t.deps.state()).getByName("ghost")).toBeUndefined();
  });

  it("keeps the record (status failed) when the provider refuses, unless --force", async () => {
    t.deps.close();
    t.deps = t.makeDeps(true, "dop_v1_wrong");
    (await t.deps.state()).save(sample("kept", { providerId: "1", status: "ready" }));
    await expect(runDown(t.deps, "kept", { yes: true })).rejects.toBeInstanceOf(ProviderError);
    expect((await t.deps.state()).getByName("kept")?.status).toBe("failed");
    await runDown(t.deps, "kept", { force: true });
    expect((await t.deps.state()).getByName("kept")).toBeUndefined();
    expect(JSON.parse(t.io.stdout())).toMatchObject({ name: "kept", destroyed: false, forgotten: true });
  });

  it("without a terminal and without --yes/--force refuses (exit 2) and touches nothing", async () => {
    const id = await t.dropletFor("asked");
    (await t.deps.state()).save(sample("asked", { providerId: id, status: "ready" }));
    const err = await runDown(t.deps, "asked").catch((e) => e);
    expect(err).toMatchObject({ exitCode: ExitCode.usage, hint: expect.stringContaining("--yes") });
    expect(t.sim.state.droplets.size).toBe(1);
    expect((await t.deps.state()).getByName("asked")?.status).toBe("ready");
  });

  it("with no name takes the only instance; with two, names them", async () => {
    const store = await t.deps.state();
    store.save(sample("one", { providerId: "998", status: "ready" }));
    store.save(sample("two", { providerId: "997", status: "ready" }));
    await expect(runDown(t.deps, undefined, { yes: true })).rejects.toThrow(/one, two|two, one/);
    await runDown(t.deps, "two", { yes: true });
    await runDown(t.deps, undefined, { yes: true });
    expect(store.list()).toEqual([]);
  });

  it("--snapshot saves a snapshot of the droplet before destroying it", async () => {
    t.deps.close();
    t.deps = t.makeDeps(true);
    const id = await t.dropletFor("snapme");
    (await t.deps.state()).save(sample("snapme", { providerId: id, status: "ready" }));
    const events: string[] = [];
    await runDown(t.deps, "snapme", {
      yes: true,
      snapshot: true,
      scrub: async () => {
        events.push(`scrub (snapshots: ${t.sim.state.snapshots.size})`);
        return {
          restore: async () => void events.push("restore"),
          close: async () => void events.push("close"),
        };
      },
    });
    // Scrubbed before the snapshot; nothing put back on a machine that is destroyed next.
    expect(events).toEqual(["scrub (snapshots: 0)", "close"]);
    const out = JSON.parse(t.io.stdout());
    expect(out).toMatchObject({
      name: "snapme",
      destroyed: true,
      confirmed_gone: true,
      snapshot: { name: expect.stringMatching(/^snapme-\d{8}-\d{6}$/) },
    });
    expect([...t.sim.state.snapshots.values()].map((s) => String(s.id))).toEqual([out.snapshot.id]);
    expect(t.sim.state.droplets.size).toBe(0);
    expect(t.sim.validator?.violations).toEqual([]);
  });
});
