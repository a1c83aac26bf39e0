/** `down`'s unsaved-work guard (the machine's answer injected; the real one is GET /unsaved). */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useDoSimDeps } from "../../test/helpers/do-sim-deps.ts";
import { sample } from "../../test/helpers/instances.ts";
import { unsavedAnswer, unsavedRepo } from "../../test/helpers/unsaved-answers.ts";
import { ExitCode } from "../core/errors.ts";
import { runDown } from "./down.ts";
import type { CheckUnsavedFn } from "./unsaved-check.ts";

const t = useDoSimDeps("down-unsaved");

const dirty = unsavedAnswer(3, [
  unsavedRepo("workspace/api", { unpushed: 1 }),
  unsavedRepo("workspace/web", { uncommitted: 1 }),
]);
const clean = unsavedAnswer(3);

async function readyBox(name: string) {
  const id = await t.dropletFor(name);
  (await t.deps.state()).save(
    sample(name, { providerId: id, status: "ready", readyAt: "2026-01-01T00:00:00Z" }),
  );
  return id;
}

describe("spuff down with unsaved work on the machine", () => {
  it("without a terminal refuses even with --yes, lists every repository, touches nothing", async () => {
    await readyBox("box");
    const err = await runDown(t.deps, "box", { yes: true, checkUnsaved: dirty }).catch((e) => e);
    expect(err).toMatchObject({
      code: "unsaved_work",
      exitCode: ExitCode.failure,
      hint: expect.stringContaining("--discard-unsaved"),
      details: { unsaved: ["workspace/api: 1 unpushed commit", "workspace/web: 1 uncommitted change"] },
    });
    expect(t.io.stderr()).toContain(
      "workspace/api: 1 unpushed commit\n  workspace/web: 1 uncommitted change",
    );
    expect(t.sim.state.droplets.size).toBe(1);
    expect((await t.deps.state()).getByName("box")?.status).toBe("ready");
  });

  it("--json: the refusal carries the repositories as data", async () => {
    t.deps.close();
    t.deps = t.makeDeps(true);
    await readyBox("jbox");
    const err = await runDown(t.deps, "jbox", { yes: true, checkUnsaved: dirty }).catch((e) => e);
    expect(err.toJSON()).toMatchObject({
      code: "unsaved_work",
      message: expect.stringContaining("workspace/web: 1 uncommitted change"),
      details: {
        repos: [
          { path: "workspace/api", unpushed: 1 },
          { path: "workspace/web", uncommitted: 1 },
        ],
      },
    });
    expect(t.sim.state.droplets.size).toBe(1);
  });

  it("a machine that cannot be asked counts as unsaved; --discard-unsaved destroys anyway", async () => {
    await readyBox("far");
    const unreachable: CheckUnsavedFn = async () => ({ ok: false, error: "ssh: connection refused" });
    const err = await runDown(t.deps, "far", { yes: true, checkUnsaved: unreachable }).catch((e) => e);
    expect(err.details.unsaved).toEqual(["could not check for unsaved work (ssh: connection refused)"]);
    let asked = false;
    const spy: CheckUnsavedFn = async (d, r) => {
      asked = true;
      return dirty(d, r);
    };
    await runDown(t.deps, "far", { yes: true, discardUnsaved: true, checkUnsaved: spy });
    expect(asked).toBe(false);
    expect(t.sim.state.droplets.size).toBe(0);
  });

  it("nothing unsaved: --yes destroys as before, and the remembered account is forgotten", async () => {
    await readyBox("neat");
    const file = path.join(t.deps.paths.instanceDir("neat"), "unsaved.json");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ lines: ["x"], kept: true }));
    await runDown(t.deps, "neat", { yes: true, checkUnsaved: clean });
    expect(t.sim.state.droplets.size).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe("the machine's answer is untrusted", () => {
  it("escape sequences in a repository path never reach the terminal; the line count is bounded", async () => {
    await readyBox("hostile");
    const evil = unsavedAnswer(
      1,
      Array.from({ length: 500 }, (_, i) =>
        unsavedRepo(`workspace/\u001b]0;pwned\u0007\u001b[2J${i}\u202e`, { unpushed: 1 }),
      ),
      "x",
    );
    const err = await runDown(t.deps, "hostile", { yes: true, checkUnsaved: evil }).catch((e) => e);
    expect(err.code).toBe("unsaved_work");
    expect(t.io.stderr()).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(t.io.stderr()).toContain("workspace/\\u001b]0;pwned\\u0007\\u001b[2J0\\u202e: 1 unpushed commit");
    expect(err.details.unsaved).toHaveLength(50);
  });
});
