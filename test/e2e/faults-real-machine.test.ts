/**
 * Chaos on a real machine: the DigitalOcean simulator answers 30 % of all requests with a 429, a
 * 500, a dropped connection before acting, or a dropped response after acting (seeded, so a
 * failure replays), with an nspawn machine behind the droplet. `spuff up --no-connect` and
 * `spuff down` must still succeed, leave exactly one droplet while up and none after, and never
 * duplicate the droplet when a create's response is lost.
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { machineLayout } from "../../src/machines/layout.ts";
import { startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { realMachineBackend } from "../../src/sim/machine-backend.ts";
import { runSpuff } from "../helpers/cli.ts";
import {
  leftovers,
  NOTHING_LEFT,
  removeDataDirs,
  runMachineSuites,
  tempDataDir,
} from "../helpers/machines.ts";
import { generateKeyPair } from "../helpers/sshd.ts";

const SEED = Number(process.env.SPUFF_FAULT_SEED ?? 7);

describe.runIf(runMachineSuites)("up and down with 30 % injected API faults (DO simulator, nspawn)", () => {
  const dir = tempDataDir("faults-do");
  afterAll(() => removeDataDirs([dir]));

  it("up --no-connect, exec, down all succeed; one droplet, then none; the faults really happened", async () => {
    generateKeyPair(path.join(dir, "id_ed25519"));
    const sim = await startDigitalOceanSim({
      activeAfterMs: 200,
      backend: realMachineBackend({ driver: "nspawn", dataDir: dir }),
      // On top of the random 30 %, the hardest case for sure: the create acted, its response lost.
      faults: {
        rate: 0.3,
        seed: SEED,
        script: [{ method: "POST", path: "/v2/droplets", fault: "reset-after" }],
      },
    });
    try {
      const env = {
        SPUFF_DATA_DIR: dir,
        SPUFF_CONFIG_DIR: path.join(dir, "cfg"),
        DIGITALOCEAN_TOKEN: sim.token,
        DIGITALOCEAN_API_URL: sim.url,
      };
      const run = (args: string[], timeoutMs = 60_000) => runSpuff(args, { configDir: dir, env, timeoutMs });
      const key = path.join(dir, "id_ed25519");
      expect((await run(["init", "--defaults", "--provider", "digitalocean", "--ssh-key", key])).code).toBe(
        0,
      );

      const up = await run(["up", "chaos", "--no-connect", "--json"], 300_000);
      const replay = `replay with SPUFF_FAULT_SEED=${SEED}; faults so far: ${JSON.stringify(sim.faults.injected)}`;
      expect(up.code, `${up.stderr}\n${replay}`).toBe(0);
      expect(JSON.parse(up.stdout.trim().split("\n").at(-1) as string)).toMatchObject({
        event: "ready",
        name: "chaos",
      });
      expect(sim.state.droplets.size, replay).toBe(1);
      const hostname = await run(["exec", "chaos", "--", "cat", "/etc/hostname"]);
      expect(hostname).toMatchObject({ code: 0, stdout: "chaos\n" });

      // …and the destroy acted, its response lost, then a 500 on the next look.
      const id = [...sim.state.droplets.keys()][0];
      sim.faults.schedule(
        { method: "DELETE", path: `/v2/droplets/${id}`, fault: "reset-after" },
        { method: "GET", path: `/v2/droplets/${id}`, fault: "500" },
      );
      const down = await run(["down", "chaos", "--yes", "--json"], 180_000);
      expect(down.code, `${down.stderr}\n${replay}`).toBe(0);
      expect(JSON.parse(down.stdout)).toMatchObject({ name: "chaos", destroyed: true, confirmed_gone: true });
      expect(sim.state.droplets.size).toBe(0);
      expect(JSON.parse((await run(["list", "--json"])).stdout)).toEqual([]);

      // The run went through the faults, not around them.
      const api = sim.requests.filter((r) => r.path.startsWith("/v2/"));
      const faulted = sim.faults.injected.filter((f) => f.path.startsWith("/v2/"));
      console.log(`seed ${SEED}: ${faulted.length} of ${api.length} API requests faulted`, faulted);
      expect(faulted.length).toBeGreaterThanOrEqual(4); // the 3 scripted + random ones
      expect(new Set(faulted.map((f) => f.fault)).size).toBeGreaterThanOrEqual(3);
      expect(sim.validator?.violations).toEqual([]);
    } finally {
      await sim.close();
    }
    expect(leftovers(machineLayout(dir))).toEqual(NOTHING_LEFT);
  }, 420_000);
});
