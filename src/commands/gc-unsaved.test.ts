/** `gc` of a live instance with unsaved work: kept (with the reason) unless --discard-unsaved. */
import { describe, expect, it } from "vitest";
import { useDoSimDeps } from "../../test/helpers/do-sim-deps.ts";
import { sample } from "../../test/helpers/instances.ts";
import { unsavedAnswer, unsavedRepo } from "../../test/helpers/unsaved-answers.ts";
import { runGc } from "./gc.ts";

const t = useDoSimDeps("gc-unsaved");

const dirty = unsavedAnswer(1, [unsavedRepo("workspace/api", { stashes: 1 })]);

describe("spuff gc and unsaved work", () => {
  it("skips an expired live instance holding unsaved work; --discard-unsaved removes it", async () => {
    t.deps.close();
    t.deps = t.makeDeps(true);
    const store = await t.deps.state();
    const id = await t.dropletFor("old");
    store.save(
      sample("old", {
        providerId: id,
        status: "ready",
        readyAt: "2000-01-01T00:00:00Z",
        deadlineAt: "2000-01-01T01:00:00Z",
      }),
    );
    await runGc(t.deps, { yes: true, provider: "digitalocean", checkUnsaved: dirty });
    const out = JSON.parse(t.io.stdout());
    expect(out.results).toMatchObject([
      {
        name: "old",
        kind: "expired",
        outcome: "skipped",
        note: expect.stringContaining("workspace/api: 1 stash"),
      },
    ]);
    expect(t.sim.state.droplets.size).toBe(1);
    expect(store.getByName("old")).toBeDefined();

    t.deps.close();
    t.deps = t.makeDeps(true);
    await runGc(t.deps, { yes: true, provider: "digitalocean", checkUnsaved: dirty, discardUnsaved: true });
    expect(JSON.parse(t.io.stdout()).results).toMatchObject([{ name: "old", outcome: "destroyed" }]);
    expect(t.sim.state.droplets.size).toBe(0);
  });
});
