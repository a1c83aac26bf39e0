/**
 * Every simulator hands its snapshot/image to the backend the same way: the snapshot action saves
 * the instance's disk (backend.snapshot), an instance created from that snapshot boots it
 * (create's fromImage), and deleting the snapshot at the provider deletes the backend image.
 * A recording backend stands in for the machine backend; spuff's own providers drive the sims.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  awsOnSim,
  doOnSim,
  hetznerOnSim,
  type StartedSim,
  startedSim,
} from "../../test/helpers/sim-providers.ts";
import { testRequest } from "../providers/test-request.ts";
import type { InstanceRequest } from "../providers/types.ts";
import { startAwsSim } from "./aws/index.ts";
import { type MachineBackend, noneBackend } from "./backend.ts";
import { startDigitalOceanSim } from "./digitalocean/index.ts";
import { startHetznerSim } from "./hetzner/index.ts";

interface Recorded {
  snapshots: string[];
  creates: (string | undefined)[];
  deleted: string[];
}

function recordingBackend(): { backend: MachineBackend; rec: Recorded } {
  const base = noneBackend();
  const rec: Recorded = { snapshots: [], creates: [], deleted: [] };
  const backend: MachineBackend = {
    ...base,
    create(userData, instanceId, fromImage) {
      rec.creates.push(fromImage);
      return base.create(userData, instanceId);
    },
    async snapshot(instanceId) {
      rec.snapshots.push(instanceId);
      return `disk-of-${instanceId}`;
    },
    async deleteImage(image) {
      rec.deleted.push(image);
    },
  };
  return { backend, rec };
}

const retry = { baseDelayMs: 5, maxDelayMs: 50 };

const SUBJECTS: {
  name: string;
  region: string;
  size: string;
  start(b: MachineBackend): Promise<StartedSim>;
}[] = [
  {
    name: "digitalocean",
    region: "fra1",
    size: "s-2vcpu-4gb",
    async start(backend) {
      const sim = await startDigitalOceanSim({ activeAfterMs: 0, actionAfterMs: 20, backend });
      return startedSim(sim, await doOnSim(sim, { retry }));
    },
  },
  {
    name: "hetzner",
    region: "fsn1",
    size: "cx22",
    async start(backend) {
      const sim = await startHetznerSim({ activeAfterMs: 0, actionAfterMs: 20, strict: true, backend });
      return startedSim(sim, await hetznerOnSim(sim, { retry }));
    },
  },
  {
    name: "aws",
    region: "eu-central-1",
    size: "t3.medium",
    async start(backend) {
      const sim = await startAwsSim({ activeAfterMs: 0, actionAfterMs: 20, backend });
      return startedSim(sim, await awsOnSim(sim, { retry }));
    },
  },
];

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe.each(SUBJECTS)("$name simulator: snapshots carry the backend's disk", (s) => {
  it("snapshot saves the disk, an instance from it boots that disk, deleting it deletes the disk image", async () => {
    const { backend, rec } = recordingBackend();
    const started = await s.start(backend);
    close = started.close;
    const { provider } = started;
    const req = (name: string, image: InstanceRequest["image"]) =>
      testRequest(name, s, { image, userData: "#cloud-config\n", labels: { spuff: "true" } });

    const first = await provider.createInstance(req("from-base", { kind: "ubuntu", version: "24.04" }));
    await provider.waitReady(first.id, { timeoutMs: 10_000 });
    expect(rec.creates).toEqual([undefined]);

    const snap = await provider.createSnapshot(first.id, "carried-disk");
    expect(rec.snapshots).toHaveLength(1);
    const disk = `disk-of-${rec.snapshots[0]}`;

    const second = await provider.createInstance(req("from-snap", { kind: "snapshot", id: snap.id }));
    await provider.waitReady(second.id, { timeoutMs: 10_000 });
    expect(rec.creates).toEqual([undefined, disk]);

    expect(rec.deleted).toEqual([]);
    await provider.deleteSnapshot(snap.id);
    expect(rec.deleted).toEqual([disk]);
    expect(started.violations()).toEqual([]);
  });
});
