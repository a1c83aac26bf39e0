import { describe, expect, it } from "vitest";
import { useDoSimDeps } from "../../test/helpers/do-sim-deps.ts";
import { sample } from "../../test/helpers/instances.ts";
import { ProviderError } from "../providers/errors.ts";
import { runDown } from "./down.ts";

const t = useDoSimDeps("down");

describe("spuff down (provider half)", () => {
  it("destroys the droplet and forgets the instance", async () => {
    const id = await t.dropletFor("box");
    (await t.deps.state()).save(sample("box", { providerId: id, status: "ready" }));
    await runDown(t.deps, "box");
    expect(t.sim.state.droplets.size).toBe(0);
    expect((await t.deps.state()).getByName("box")).toBeUndefined();
    expect(t.io.stdout()).toBe("Destroyed box\n");
  });

  it("treats a droplet already gone (404) as destroyed", async () => {
    (await t.deps.state()).save(sample("ghost", { providerId: "999", status: "ready" }));
    await runDown(t.deps, "ghost");
    expect((await t.deps.state()).getByName("ghost")).toBeUndefined();
  });

  it("keeps the record (status failed) when the provider refuses, unless --force", async () => {
    t.deps.close();
    t.deps = t.makeDeps(true, "dop_v1_wrong");
    (await t.deps.state()).save(sample("kept", { providerId: "1", status: "ready" }));
    await expect(runDown(t.deps, "kept")).rejects.toBeInstanceOf(ProviderError);
    expect((await t.deps.state()).getByName("kept")?.status).toBe("failed");
    await runDown(t.deps, "kept", { force: true });
    expect((await t.deps.state()).getByName("kept")).toBeUndefined();
    expect(JSON.parse(t.io.stdout())).toMatchObject({ name: "kept", destroyed: false, forgotten: true });
  });
});
