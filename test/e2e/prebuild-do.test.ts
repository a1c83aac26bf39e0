/**
 * Prebuilt environments behind the DigitalOcean simulator with real nspawn droplets: a snapshot of
 * a droplet is a real snapshot layer, and a droplet created from it boots that disk. Guests reach
 * Debian only through the test's apt proxy on the host's loopback (http_proxy in spuff.yaml).
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { machineLayout } from "../../src/machines/layout.ts";
import { startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { realMachineBackend } from "../../src/sim/machine-backend.ts";
import { type AptProxy, startAptProxy } from "../helpers/apt-proxy.ts";
import { runSpuff } from "../helpers/cli.ts";
import { initJourney, newJourney } from "../helpers/journey.ts";
import { removeDataDirs, runMachineSuites } from "../helpers/machines.ts";
import {
  checkLayer,
  listAndRemove,
  type PrebuildJourney,
  prebuild,
  upAfterChange,
  upFromPrebuild,
  writeProject,
} from "../helpers/prebuild-journey.ts";

describe.runIf(runMachineSuites)("prebuilds behind the DigitalOcean simulator (nspawn droplets)", () => {
  const j = newJourney("prebuild-do");
  let sim: Awaited<ReturnType<typeof startDigitalOceanSim>>;
  let proxy: AptProxy;
  let pj: PrebuildJourney;
  const images = () => fs.realpathSync(path.join(j.dir, "images"));
  const ours = new Set<string>();

  beforeAll(async () => {
    proxy = await startAptProxy();
    sim = await startDigitalOceanSim({
      activeAfterMs: 200,
      actionAfterMs: 200,
      backend: realMachineBackend({ driver: "nspawn", dataDir: j.dir }),
    });
    Object.assign(j.env, { DIGITALOCEAN_TOKEN: sim.token, DIGITALOCEAN_API_URL: sim.url });
    pj = {
      dir: j.dir,
      run: (args, timeoutMs = 60_000, cwd) =>
        runSpuff(args, { configDir: j.dir, env: j.env, timeoutMs, ...(cwd ? { cwd } : {}) }),
      layerOf: (id) => {
        const image = sim.state.snapshots.get(Number(id))?.backendImage;
        expect(image, `snapshot ${id} has a machine image`).toBeDefined();
        ours.add(image as string);
        return path.join(machineLayout(j.dir).imageDir(image as string), "layer");
      },
      // From the guest the host's loopback is 10.0.2.2 (sim machines only).
      proxyUrl: `http://10.0.2.2:${proxy.port}`,
      instancesLeft: () => sim.state.droplets.size,
    };
    await initJourney(j, "digitalocean");
  }, 120_000);

  afterAll(async () => {
    for (const n of ["pb-warm", "pb-cold"])
      await pj?.run(["down", n, "--force", "--json"], 180_000).catch(() => {});
    for (const s of sim?.state.snapshots.values() ?? []) if (s.backendImage) ours.add(s.backendImage);
    await sim?.close();
    await proxy?.close();
    for (const n of ours) fs.rmSync(path.join(images(), n), { recursive: true, force: true });
    await removeDataDirs([j.dir]);
  }, 300_000);

  it("prebuild → up boots the droplet's snapshot (cached, new identity) → changed packages miss it → list/rm", async () => {
    const project = await writeProject(pj);
    const pb = await prebuild(pj, project);
    checkLayer(pj.layerOf(pb.id));
    const warm = await upFromPrebuild(pj, project, pb, "pb-warm");
    const cold = await upAfterChange(pj, "pb-cold");
    console.log(
      `DO sim: ready from the prebuild ${warm.readyMs} ms; cold (packages changed) ${cold.readyMs} ms`,
    );
    // A local image in use cannot be removed: the machines go first.
    for (const n of ["pb-warm", "pb-cold"])
      expect((await pj.run(["down", n, "--yes"], 180_000)).code).toBe(0);
    await listAndRemove(pj, pb);
    expect(sim.state.droplets.size).toBe(0);
  }, 2_400_000);
});
