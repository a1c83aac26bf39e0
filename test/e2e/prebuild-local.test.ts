/**
 * Prebuilt environments on the local provider (nspawn): the journey of test/helpers/prebuild-journey.ts,
 * then the ways a prebuild ends without a snapshot (a failed step, Ctrl-C in the middle), each of
 * which must leave no machine, no record and no image behind.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MachineEngine } from "../../src/machines/engine.ts";
import { machineLayout } from "../../src/machines/layout.ts";
import { runSpuff } from "../helpers/cli.ts";
import { initJourney, newJourney } from "../helpers/journey.ts";
import { runMachineSuites } from "../helpers/machines.ts";
import {
  checkLayer,
  listAndRemove,
  type PrebuildJourney,
  prebuild,
  upAfterChange,
  upFromPrebuild,
  writeProject,
} from "../helpers/prebuild-journey.ts";
import { phaseEvent, startSpuff } from "../helpers/spuff-process.ts";

describe.runIf(runMachineSuites)("prebuilds on the local provider (nspawn)", () => {
  const j = newJourney("prebuild-local");
  const engine = new MachineEngine({ layout: machineLayout(j.dir) });
  const images = () => fs.realpathSync(path.join(j.dir, "images"));
  const pj: PrebuildJourney = {
    dir: j.dir,
    run: (args, timeoutMs = 60_000, cwd) =>
      runSpuff(args, { configDir: j.dir, env: j.env, timeoutMs, ...(cwd ? { cwd } : {}) }),
    layerOf: (id) => path.join(machineLayout(j.dir).imageDir(id), "layer"),
    instancesLeft: () => engine.list().length,
  };
  afterAll(async () => {
    for (const m of engine.list()) await engine.destroy(m.id);
    // Images live in the shared images dir (tempDataDir links it): ours are always removed.
    for (const n of fs.readdirSync(images()).filter((x) => x.startsWith("spuff-pb-pb-e2e")))
      fs.rmSync(path.join(images(), n), { recursive: true, force: true });
    fs.rmSync(j.dir, { recursive: true, force: true });
  }, 300_000);

  it("prebuild → up boots it (cached, new identity) → changed packages miss it → list/rm", async () => {
    await initJourney(j, "local");
    const project = await writeProject(pj);
    const pb = await prebuild(pj, project);
    checkLayer(pj.layerOf(pb.id));
    const warm = await upFromPrebuild(pj, project, pb, "pb-warm");
    const cold = await upAfterChange(pj, "pb-cold");
    console.log(`ready from the prebuild ${warm.readyMs} ms; cold (packages changed) ${cold.readyMs} ms`);
    // A local image in use cannot be removed: the machines go first.
    for (const n of ["pb-warm", "pb-cold"])
      expect((await pj.run(["down", n, "--yes"], 180_000)).code).toBe(0);
    await listAndRemove(pj, pb);
  }, 2_400_000);

  it("a failed prebuild step: no snapshot, the machine destroyed and forgotten", async () => {
    const p = path.join(j.dir, "failing");
    fs.mkdirSync(p, { recursive: true });
    fs.writeFileSync(
      path.join(p, "spuff.yaml"),
      "name: pb-e2e-fail\nprebuild:\n  - echo about to fail; exit 3\n",
    );
    expect((await pj.run(["trust", p])).code).toBe(0);
    const r = await pj.run(["prebuild", "--json"], 300_000, p);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr.trim().split("\n").at(-1) as string).error.code).toBe("prebuild_step_failed");
    expect(JSON.parse((await pj.run(["list", "--json"])).stdout)).toEqual([]);
    expect(engine.list()).toEqual([]);
    expect(fs.readdirSync(images()).filter((x) => x.startsWith("spuff-pb-pb-e2e-fail"))).toEqual([]);
  }, 600_000);

  it("Ctrl-C while a prebuild step runs: exit 130, nothing left (machine, record, image)", async () => {
    const p = path.join(j.dir, "interrupted");
    fs.mkdirSync(p, { recursive: true });
    fs.writeFileSync(path.join(p, "spuff.yaml"), "name: pb-e2e-int\nprebuild:\n  - sleep 300\n");
    expect((await pj.run(["trust", p])).code).toBe(0);
    const pb = startSpuff(["prebuild", "--json"], {
      configDir: j.dir,
      env: j.env,
      timeoutMs: 300_000,
      cwd: p,
    });
    await pb.waitForLine(phaseEvent("setup", "start"), 240_000);
    expect(engine.list()).toHaveLength(1);
    pb.child.kill("SIGINT");
    const r = await pb.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain("no prebuild was taken; the machine is destroyed");
    expect(JSON.parse((await pj.run(["list", "--json"])).stdout)).toEqual([]);
    expect(engine.list()).toEqual([]);
    expect(fs.readdirSync(images()).filter((x) => x.startsWith("spuff-pb-pb-e2e-int"))).toEqual([]);
  }, 600_000);
});
