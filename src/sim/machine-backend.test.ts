/**
 * The DigitalOcean simulator backed by real nspawn machines: spuff's own DigitalOcean provider
 * creates a droplet, the droplet turns active with a 127.0.0.N address only once sshd answers,
 * SSH works with the key (and pinned host key) from the user-data, and DELETE stops the machine.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { devLogin } from "../../test/helpers/dev-login.ts";
import { leftovers, NOTHING_LEFT, runMachineSuites, tempDataDir } from "../../test/helpers/machines.ts";
import { doOnSim } from "../../test/helpers/sim-providers.ts";
import { generateKeyPair } from "../../test/helpers/sshd.ts";
import { machineLayout } from "../machines/layout.ts";
import { exec } from "../ssh/exec.ts";
import { startDigitalOceanSim } from "./digitalocean/index.ts";
import { realMachineBackend } from "./machine-backend.ts";

describe.runIf(runMachineSuites)("DigitalOcean simulator with --backend nspawn", () => {
  const dataDir = tempDataDir("do-nspawn");
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("POST → active at 127.0.0.N once sshd answers → SSH with the user-data's keys → DELETE stops it", async () => {
    const sim = await startDigitalOceanSim({
      activeAfterMs: 0,
      backend: realMachineBackend({ driver: "nspawn", dataDir }),
    });
    try {
      const provider = await doOnSim(sim);
      const userKey = path.join(dataDir, "id_user");
      const userPub = generateKeyPair(userKey);
      const dev = devLogin(userKey, userPub);

      const created = await provider.createInstance({
        name: "sim-machine",
        region: "fra1",
        size: "s-2vcpu-4gb",
        image: { kind: "ubuntu", version: "24.04" },
        userData: dev.userData,
        labels: { spuff: "true" },
        sshPublicKey: userPub,
      });
      // Booting: not active yet, whatever the timeline says, until the machine's sshd answers.
      expect(created.status).toBe("new");
      const ready = await provider.waitReady(created.id, { timeoutMs: 60_000 });
      expect(ready.status).toBe("active");
      expect(ready.ip).toMatch(/^127\.0\.0\.\d+$/);

      const conn = await dev.login(ready.ip as string);
      try {
        const r = await exec(conn, "cloud-init status --wait --format=json", { timeoutMs: 120_000 });
        expect(JSON.parse(r.stdout)).toMatchObject({ status: "done", errors: [] });
      } finally {
        await conn.close();
      }

      const layout = machineLayout(dataDir);
      expect(leftovers(layout).machineDirs).toHaveLength(1);
      await provider.destroyInstance(created.id);
      expect(await provider.getInstance(created.id)).toBeUndefined();
      expect(leftovers(layout)).toEqual(NOTHING_LEFT);
      expect(sim.validator?.violations).toEqual([]);
    } finally {
      await sim.close();
    }
  }, 180_000);
});
