/**
 * The VolumeOps contract, run against each provider's simulator (spec-validated, strict): create
 * in the instance's region tagged as spuff's, a lost create response leaves one volume, attach and
 * detach resolve only when the API reports them, delete is idempotent, a destroyed instance
 * leaves its volume. One SUBJECTS entry per provider that has volumes.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  awsOnSim,
  doOnSim,
  hetznerOnSim,
  type StartedSim,
  startedSim,
} from "../../test/helpers/sim-providers.ts";
import { startAwsSim } from "../sim/aws/index.ts";
import { startDigitalOceanSim } from "../sim/digitalocean/index.ts";
import type { FaultInjector, FaultOptions } from "../sim/faults.ts";
import { startHetznerSim } from "../sim/hetzner/index.ts";
import type { SimServer } from "../sim/server.ts";
import { testRequest } from "./test-request.ts";
import type { Provider, VolumeOps } from "./types.ts";

interface Subject {
  name: string;
  region: string;
  size: string;
  /** The create call's method and path, for the lost-response fault. */
  createPath: string;
  /** The attach action's path (providers whose volume actions go through providers/volume-change.ts). */
  attachPath?: (volumeId: string) => string;
  start(
    faults?: FaultOptions,
    actionAfterMs?: number,
  ): Promise<StartedSim & { sim: SimServer & { faults: FaultInjector } }>;
  /** The device name the guest will see for a volume. */
  device: RegExp;
  /** false: resize is refused (AWS: ModifyVolume not called yet). */
  resize?: boolean;
}

const retry = { baseDelayMs: 5, maxDelayMs: 50 };

const SUBJECTS: Subject[] = [
  {
    name: "digitalocean",
    region: "fra1",
    size: "s-1vcpu-1gb",
    createPath: "/v2/volumes",
    device: /^\/dev\/disk\/by-id\/scsi-0DO_Volume_work-[a-z]+$/,
    attachPath: (id) => `/v2/volumes/${id}/actions`,
    async start(faults, actionAfterMs = 50) {
      const sim = await startDigitalOceanSim({ activeAfterMs: 0, actionAfterMs, faults, strict: true });
      return { ...startedSim(sim, await doOnSim(sim, { retry })), sim };
    },
  },
  {
    name: "hetzner",
    region: "fsn1",
    size: "cx22",
    createPath: "/v1/volumes",
    device: /^\/dev\/disk\/by-id\/scsi-0HC_Volume_\d+$/,
    attachPath: (id) => `/v1/volumes/${id}/actions/attach`,
    async start(faults, actionAfterMs = 50) {
      const sim = await startHetznerSim({ activeAfterMs: 0, actionAfterMs, faults, strict: true });
      return { ...startedSim(sim, await hetznerOnSim(sim, { retry })), sim };
    },
  },
  {
    name: "aws",
    region: "eu-central-1",
    size: "t3.medium",
    createPath: "/",
    device: /^\/dev\/disk\/by-id\/nvme-Amazon_Elastic_Block_Store_vol[0-9a-f]+$/,
    resize: false,
    async start(faults, actionAfterMs = 50) {
      const sim = await startAwsSim({ activeAfterMs: 0, actionAfterMs, faults });
      return { ...startedSim(sim, await awsOnSim(sim, { retry })), sim };
    },
  },
];

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const W = { timeoutMs: 10_000 };
const ops = (p: Provider): VolumeOps => {
  if (!p.volumes) throw new Error(`${p.name} has no volumes`);
  return p.volumes;
};

describe.each(SUBJECTS)("$name volumes (simulator)", (s) => {
  it("create → attach → detach → delete, each as the API reports it; a destroyed instance leaves the volume", async () => {
    const sim = await s.start();
    close = sim.close;
    const v = ops(sim.provider);
    const inst = await sim.provider.createInstance(testRequest("vol-a", { region: s.region, size: s.size }));
    await sim.provider.waitReady(inst.id, W);
    const created = await v.createVolume({
      name: "work-a",
      sizeGb: 10,
      region: inst.region,
      instanceId: inst.id,
    });
    expect(created).toMatchObject({ name: "work-a", sizeGb: 10, attachedTo: [] });
    // The instance's region, or (AWS) an availability zone in it.
    expect(created.region.startsWith(inst.region)).toBe(true);
    expect(created.devicePath).toMatch(s.device);
    expect((await v.findVolume("work-a"))?.id).toBe(created.id);
    expect(await v.findVolume("work-b")).toBeUndefined();

    expect((await v.attachVolume(created.id, inst.id, W)).attachedTo).toEqual([inst.id]);
    // Attaching again is a no-op, not an error.
    expect((await v.attachVolume(created.id, inst.id, W)).attachedTo).toEqual([inst.id]);
    expect((await v.detachVolume(created.id, inst.id, W)).attachedTo).toEqual([]);
    expect((await v.detachVolume(created.id, inst.id, W)).attachedTo).toEqual([]);
    if (s.resize === false)
      await expect(v.resizeVolume(created.id, 12, W)).rejects.toMatchObject({
        code: "volume_resize_unsupported",
      });
    else expect((await v.resizeVolume(created.id, 12, W)).sizeGb).toBe(12);

    await v.attachVolume(created.id, inst.id, W);
    await sim.provider.destroyInstance(inst.id);
    const after = await v.findVolume("work-a");
    expect(after?.attachedTo).toEqual([]);
    expect((await v.listVolumes()).map((x) => x.name)).toEqual(["work-a"]);
    await v.deleteVolume(created.id);
    await v.deleteVolume(created.id);
    expect(await v.listVolumes()).toEqual([]);
    expect(sim.violations()).toEqual([]);
  });

  it("a create whose response was lost leaves exactly one volume", async () => {
    const sim = await s.start({ script: [{ method: "POST", path: s.createPath, fault: "reset-after" }] });
    close = sim.close;
    const v = ops(sim.provider);
    const created = await v.createVolume({ name: "work-lost", sizeGb: 1, region: s.region });
    expect((await v.listVolumes()).map((x) => x.id)).toEqual([created.id]);
  });

  // REST providers only: EC2's AttachVolume is a query POST to "/" (the SDK's own path), which
  // this fault cannot single out; the case is not defined for it rather than skipped.
  const attachPath = s.attachPath;
  if (attachPath)
    it("an attach whose response was lost is not sent again once the volume shows it", async () => {
      // Actions complete at once: the recovery's read finds the volume attached.
      const sim = await s.start(undefined, 0);
      close = sim.close;
      const v = ops(sim.provider);
      const inst = await sim.provider.createInstance(
        testRequest("vol-r", { region: s.region, size: s.size }),
      );
      await sim.provider.waitReady(inst.id, W);
      const created = await v.createVolume({ name: "work-r", sizeGb: 10, region: inst.region });
      const path = attachPath(created.id);
      sim.sim.faults.schedule({
        method: "POST",
        path,
        fault: "reset-after",
      });
      expect((await v.attachVolume(created.id, inst.id, W)).attachedTo).toEqual([inst.id]);
      expect(sim.sim.requests.filter((r) => r.method === "POST" && r.path === path)).toHaveLength(1);
      expect(sim.violations()).toEqual([]);
    });
});
