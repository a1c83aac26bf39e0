/**
 * Work that outlives the machine, with the real binary: through the DigitalOcean, Hetzner and AWS simulators backed
 * by nspawn machines whose volumes are real block devices (test infrastructure:
 * `volumeDevices`, no user namespace), `up --volume w:10` → a commit in ~/workspace → `down`
 * (volume kept, detached per the API) → `up --volume w` on a new machine → the commit is there
 * and the filesystem UUID is unchanged → `down --delete-volume --yes` → the provider no longer
 * lists it. The guest formats and mounts the device itself, as on a droplet.
 */
import { afterAll, describe, expect, it } from "vitest";
import { machineLayout } from "../../src/machines/layout.ts";
import { startAwsSim } from "../../src/sim/aws/index.ts";
import { simVolumes } from "../../src/sim/aws/ops-volumes.ts";
import type { MachineBackend } from "../../src/sim/backend.ts";
import { startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { startHetznerSim } from "../../src/sim/hetzner/index.ts";
import { realMachineBackend } from "../../src/sim/machine-backend.ts";
import { awsSimEnv } from "../helpers/aws-sim-env.ts";
import { initJourney, newJourney } from "../helpers/journey.ts";
import { leftovers, NOTHING_LEFT, removeDataDirs, runMachineSuites } from "../helpers/machines.ts";

const dirs: string[] = [];
afterAll(() => removeDataDirs(dirs));

// The device as the guest sees it: the mounted workspace's source, whatever the provider names it.
const UUID = 'sudo -n blkid -s UUID -o value "$(findmnt -no SOURCE ~/workspace)"';

const SIMS = [
  {
    provider: "digitalocean",
    device: /^\/dev\/disk\/by-id\/scsi-0DO_Volume_w /m,
    async start(backend: MachineBackend) {
      const sim = await startDigitalOceanSim({ activeAfterMs: 200, actionAfterMs: 100, backend });
      return {
        env: { DIGITALOCEAN_TOKEN: sim.token, DIGITALOCEAN_API_URL: sim.url },
        volumes: () => [...sim.state.volumes.values()].map((v) => v.dropletIds.length),
        instances: () => sim.state.droplets.size,
        violations: () => sim.validator?.violations,
        close: () => sim.close(),
      };
    },
  },
  {
    provider: "hetzner",
    device: /^\/dev\/disk\/by-id\/scsi-0HC_Volume_\d+ /m,
    async start(backend: MachineBackend) {
      const sim = await startHetznerSim({ activeAfterMs: 200, actionAfterMs: 100, backend });
      return {
        env: { HCLOUD_TOKEN: sim.token, HCLOUD_ENDPOINT: sim.endpoint },
        volumes: () => [...sim.state.volumes.values()].map((v) => (v.server === null ? 0 : 1)),
        instances: () => sim.state.servers.size,
        violations: () => sim.validator?.violations,
        close: () => sim.close(),
      };
    },
  },
  {
    provider: "aws",
    device: /^\/dev\/disk\/by-id\/nvme-Amazon_Elastic_Block_Store_vol[0-9a-f]+ /m,
    async start(backend: MachineBackend) {
      const sim = await startAwsSim({ activeAfterMs: 200, actionAfterMs: 100, backend });
      return {
        env: awsSimEnv(sim.url),
        volumes: () => simVolumes(sim.state).map((v) => v.attached),
        instances: () => [...sim.state.instances.values()].filter((x) => x.ended?.to !== "terminated").length,
        violations: () => sim.validator?.violations,
        close: () => sim.close(),
      };
    },
  },
];

describe.runIf(runMachineSuites)("workspace volume across machines (simulators, nspawn)", () => {
  it.each(SIMS)(
    "$provider: keeps a commit and the filesystem across down and up; --delete-volume removes it",
    async (s) => {
      const j = newJourney(`vol-${s.provider}`);
      dirs.push(j.dir);
      const sim = await s.start(
        realMachineBackend({ driver: "nspawn", dataDir: j.dir, volumeDevices: true }),
      );
      try {
        Object.assign(j.env, sim.env);
        await initJourney(j, s.provider);
        const run = j.run;

        const up1 = await run(["up", "v1", "--volume", "w:10", "--no-connect", "--json"], 300_000);
        expect(up1.code, up1.stderr + up1.stdout).toBe(0);
        const events = up1.stdout
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l));
        const mount = events.find((e) => e.phase === "mount_volume" && e.status === "done");
        expect(mount?.detail).toMatch(/^w on ~\/workspace, 10 GB, formatted \(new volume\), UUID /);
        expect(events.find((e) => e.phase === "attach_volume" && e.status === "done")).toBeDefined();

        const work = await run([
          "exec",
          "v1",
          "--",
          "sh",
          "-c",
          "cd ~/workspace && git init -q r && cd r && echo kept > notes.txt && git add notes.txt && " +
            "git -c user.email=d@e -c user.name=d commit -qm 'work in progress' && " +
            `stat -c %U ~/workspace && ${UUID} && findmnt -no FSTYPE ~/workspace`,
        ]);
        expect(work.code, work.stderr).toBe(0);
        const [owner, uuid, fstype] = work.stdout.trim().split("\n");
        expect(owner).toBe("dev");
        expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
        expect(fstype).toBe("ext4");
        // The agent on the VM believed cloud-init's root-owned agent.json (its idle guard leaves the
        // mounted ~/workspace out), and GET /unsaved still reports the workspace's unpushed commit
        // (what `down --delete-volume` asks below).
        const unsaved = await run([
          "exec",
          "v1",
          "--",
          "sudo",
          "-n",
          "node",
          "-e",
          'const t = /SPUFF_AGENT_TOKEN=(\\S+)/.exec(require("fs").readFileSync("/etc/spuff/agent.env", "utf8"))[1];' +
            'fetch("http://127.0.0.1:7575/unsaved", { headers: { "x-spuff-token": t } }).then((r) => r.text()).then(console.log);',
        ]);
        expect(unsaved.code, unsaved.stderr).toBe(0);
        expect(JSON.parse(unsaved.stdout)).toMatchObject({
          workspace_on_volume: true,
          repos: [{ path: "workspace/r", unpushed: 1 }],
        });
        const fstab = await run(["exec", "v1", "--", "grep", "-F", "/workspace", "/etc/fstab"]);
        expect(fstab.stdout).toMatch(s.device);
        expect(fstab.stdout).toContain("nofail");

        const down1 = await run(["down", "v1", "--yes"], 120_000);
        expect(down1.code, down1.stderr).toBe(0);
        expect(down1.stdout).toContain(`Kept volume w (10 GB): detached and intact per ${s.provider}`);
        expect(sim.volumes()).toEqual([0]);

        const up2 = await run(["up", "v2", "--volume", "w", "--no-connect", "--json"], 300_000);
        expect(up2.code, up2.stderr + up2.stdout).toBe(0);
        expect(up2.stdout).toContain("existing filesystem");
        const back = await run([
          "exec",
          "v2",
          "--",
          "sh",
          "-c",
          `cd ~/workspace/r && cat notes.txt && git log --format=%s && ${UUID}`,
        ]);
        expect(back.code, back.stderr).toBe(0);
        expect(back.stdout).toBe(`kept\nwork in progress\n${uuid}\n`);

        const list = await run(["volume", "list", "--json"]);
        expect(JSON.parse(list.stdout)).toMatchObject([{ name: "w", size_gb: 10, known: true }]);

        // Deleting the volume deletes the work: the unsaved-work guard applies again (an unpushed commit).
        const refused = await run(["down", "v2", "--delete-volume", "--yes"], 120_000);
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).toContain("unsaved work");
        const down2 = await run(["down", "v2", "--delete-volume", "--yes", "--discard-unsaved"], 120_000);
        expect(down2.code, down2.stderr).toBe(0);
        expect(down2.stdout).toContain(`Deleted volume w (10 GB); ${s.provider} no longer lists it`);
        expect(sim.volumes()).toEqual([]);
        expect(JSON.parse((await run(["volume", "list", "--json"])).stdout)).toEqual([]);
        expect(sim.instances()).toBe(0);
        expect(leftovers(machineLayout(j.dir))).toEqual(NOTHING_LEFT);
        expect(sim.violations()).toEqual([]);
      } finally {
        await sim.close();
      }
    },
    600_000,
  );
});
