/**
 * The Hetzner and EC2 simulators backed by real nspawn machines carry the machine's disk into a
 * snapshot: spuff's own provider snapshots a server/instance with a file written on it, a new
 * one created from that snapshot has the file, and deleting the snapshot at the provider removes
 * the backend image from the data dir.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { devLogin } from "../../test/helpers/dev-login.ts";
import { leftovers, NOTHING_LEFT, runMachineSuites, tempDataDir } from "../../test/helpers/machines.ts";
import { awsOnSim, hetznerOnSim, type StartedSim, startedSim } from "../../test/helpers/sim-providers.ts";
import { generateKeyPair } from "../../test/helpers/sshd.ts";
import { machineLayout } from "../machines/layout.ts";
import type { Provider } from "../providers/types.ts";
import { exec } from "../ssh/exec.ts";
import { startAwsSim } from "./aws/index.ts";
import type { MachineBackend } from "./backend.ts";
import { startHetznerSim } from "./hetzner/index.ts";
import { realMachineBackend } from "./machine-backend.ts";

interface Subject {
  name: string;
  region: string;
  size: string;
  start(backend: MachineBackend): Promise<StartedSim>;
}

const SUBJECTS: Subject[] = [
  {
    name: "hetzner",
    region: "fsn1",
    size: "cx22",
    async start(backend) {
      const sim = await startHetznerSim({ activeAfterMs: 0, actionAfterMs: 50, strict: true, backend });
      return startedSim(sim, await hetznerOnSim(sim));
    },
  },
  {
    name: "aws",
    region: "eu-central-1",
    size: "t3.medium",
    async start(backend) {
      const sim = await startAwsSim({ activeAfterMs: 0, actionAfterMs: 50, backend });
      return startedSim(sim, await awsOnSim(sim));
    },
  },
];

describe.runIf(runMachineSuites).each(SUBJECTS)("$name simulator with --backend nspawn: snapshots", (s) => {
  const dataDir = tempDataDir(`${s.name}-snap`);
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("a file written on the machine is on an instance created from its snapshot; deleting the snapshot removes the image", async () => {
    const real = realMachineBackend({ driver: "nspawn", dataDir });
    // The images dir is shared with other suites: note which backend images this run made.
    const made: string[] = [];
    const backend: MachineBackend = {
      ...real,
      async snapshot(instanceId) {
        const name = await (real.snapshot as NonNullable<MachineBackend["snapshot"]>)(instanceId);
        made.push(name);
        return name;
      },
    };
    const layout = machineLayout(dataDir);
    const { provider, close, violations } = await s.start(backend);
    try {
      const userKey = path.join(dataDir, "id_user");
      const userPub = generateKeyPair(userKey);
      const boot = async (name: string, image: Parameters<Provider["createInstance"]>[0]["image"]) => {
        const dev = devLogin(userKey, userPub);
        const created = await provider.createInstance({
          name,
          region: s.region,
          size: s.size,
          image,
          userData: dev.userData,
          labels: { spuff: "true" },
          sshPublicKey: userPub,
        });
        const ready = await provider.waitReady(created.id, { timeoutMs: 60_000 });
        const conn = await dev.login(ready.ip as string);
        return { id: created.id, conn };
      };

      const first = await boot("snap-source", { kind: "ubuntu", version: "24.04" });
      const marker = `carried-${Date.now()}`;
      try {
        const w = await exec(
          first.conn,
          `cloud-init status --wait >/dev/null; echo ${marker} > ~/marker && sync`,
          {
            timeoutMs: 120_000,
          },
        );
        expect(w.exitCode).toBe(0);
      } finally {
        await first.conn.close();
      }
      const snap = await provider.createSnapshot(first.id, "snap-disk-test");
      expect(made).toHaveLength(1);
      const imageDir = layout.imageDir(made[0] as string);
      expect(fs.existsSync(path.join(imageDir, "image.json"))).toBe(true);
      await provider.destroyInstance(first.id);

      const second = await boot("snap-copy", { kind: "snapshot", id: snap.id });
      try {
        const r = await exec(second.conn, "cat ~/marker", { timeoutMs: 30_000 });
        expect(r.stdout.trim()).toBe(marker);
      } finally {
        await second.conn.close();
      }
      await provider.destroyInstance(second.id);

      await provider.deleteSnapshot(snap.id);
      expect(fs.existsSync(imageDir)).toBe(false);
      expect(leftovers(layout)).toEqual(NOTHING_LEFT);
      expect(violations()).toEqual([]);
    } finally {
      await close();
    }
  }, 300_000);
});
