/**
 * up's volume steps against the DigitalOcean simulator (spec-validated) and a real SQLite state:
 * the pre-create refusals, find-or-create with the intent row, attach, the recorded filesystem
 * UUID, and the exact command line sent over SSH.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProvider } from "../providers/registry.ts";
import { testRequest } from "../providers/test-request.ts";
import type { Provider, ProviderInstance } from "../providers/types.ts";
import { type DigitalOceanSim, startDigitalOceanSim } from "../sim/digitalocean/index.ts";
import type { InstanceStore } from "../state/instances.ts";
import { openInstanceStore } from "../state/open.ts";
import {
  attachWorkspaceVolume,
  checkVolumeBeforeUp,
  mountCommand,
  parseMountOutput,
  recordMount,
  volumeOps,
} from "./volume.ts";

let sim: DigitalOceanSim;
let provider: Provider;
let store: InstanceStore;
let dir: string;
beforeEach(async () => {
  sim = await startDigitalOceanSim({ activeAfterMs: 0, actionAfterMs: 20, strict: true });
  provider = await createProvider("digitalocean", {
    token: sim.token,
    env: { DIGITALOCEAN_API_URL: sim.url },
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-upvol-"));
  store = openInstanceStore(path.join(dir, "state.db"), Date.now);
});
afterEach(async () => {
  await sim.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const machine = async (name: string, region = "fra1"): Promise<ProviderInstance> => {
  const i = await provider.createInstance(testRequest(name, { region, size: "s-1vcpu-1gb" }));
  return provider.waitReady(i.id, { timeoutMs: 5000 });
};
const plan = { name: "w", sizeGb: 10, sizeAsked: true };

describe("up with a workspace volume", () => {
  it("creates the volume once (state knows it before the create), then finds and re-attaches it", async () => {
    const a = await machine("m-a");
    await checkVolumeBeforeUp(provider, plan, "fra1");
    const v1 = await attachWorkspaceVolume(provider, store, plan, a, "dev");
    expect(v1).toMatchObject({ name: "w", sizeGb: 10, region: "fra1", attachedTo: [a.id] });
    expect(v1.devicePath).toBe("/dev/disk/by-id/scsi-0DO_Volume_w");
    expect(store.volumes.get("digitalocean", "w")).toMatchObject({ providerId: v1.id, fsUuid: null });
    expect(recordMount(store, "digitalocean", v1, { uuid: "1111-aaaa", formatted: true })).toContain(
      "formatted",
    );

    // While attached, a second up is refused before anything is created.
    await expect(checkVolumeBeforeUp(provider, { ...plan, sizeAsked: false }, "fra1")).rejects.toMatchObject({
      code: "volume_in_use",
    });
    await provider.destroyInstance(a.id);
    const b = await machine("m-b");
    const v2 = await attachWorkspaceVolume(provider, store, { ...plan, sizeAsked: false }, b, "dev");
    expect(v2.id).toBe(v1.id);
    expect(v2.attachedTo).toEqual([b.id]);
    expect(sim.state.volumes.size).toBe(1);
    // Same filesystem: nothing to report; another one is called out.
    expect(recordMount(store, "digitalocean", v2, { uuid: "1111-aaaa", formatted: false })).not.toContain(
      "changed",
    );
    expect(recordMount(store, "digitalocean", v2, { uuid: "2222-bbbb", formatted: false })).toContain(
      "changed from 1111-aaaa",
    );
    expect(sim.validator?.violations).toEqual([]);
  });

  it("writes an intent row without the id of an earlier volume of that name (deleted outside spuff)", async () => {
    const a = await machine("m-old");
    const old = await attachWorkspaceVolume(provider, store, plan, a, "dev");
    recordMount(store, "digitalocean", old, { uuid: "1111-aaaa", formatted: true });
    await provider.destroyInstance(a.id);
    // Deleted in the provider's console: state still holds its id.
    await volumeOps(provider).deleteVolume(old.id);
    const ops = volumeOps(provider);
    let atCreate: ReturnType<typeof store.volumes.get>;
    const watched: Provider = {
      ...provider,
      volumes: {
        ...ops,
        createVolume: (req) => {
          atCreate = store.volumes.get("digitalocean", "w");
          return ops.createVolume(req);
        },
      },
    };
    const fresh = await attachWorkspaceVolume(watched, store, plan, await machine("m-new"), "dev");
    // Had this process died during the create, gc would have known the new volume (empty id),
    // not called it unknown because the row named the deleted one.
    expect(atCreate).toMatchObject({ providerId: "", fsUuid: "1111-aaaa" });
    expect(fresh.id).not.toBe(old.id);
    expect(store.volumes.get("digitalocean", "w")).toMatchObject({ providerId: fresh.id });
    expect(recordMount(store, "digitalocean", fresh, { uuid: "3333-cccc", formatted: true })).toContain(
      "changed from 1111-aaaa",
    );
  });

  it("refuses another region (with the --region to use), a smaller volume than asked, a provider without volumes", async () => {
    const a = await machine("m-c", "nyc1");
    await attachWorkspaceVolume(provider, store, plan, a, "dev");
    await provider.destroyInstance(a.id);
    const region = await checkVolumeBeforeUp(provider, { ...plan, sizeAsked: false }, "fra1").catch((e) => e);
    expect(region).toMatchObject({ code: "volume_region" });
    expect(region.hint).toContain("--region nyc1");
    await expect(checkVolumeBeforeUp(provider, { ...plan, sizeGb: 20 }, "nyc1")).rejects.toMatchObject({
      code: "volume_too_small",
    });
    await checkVolumeBeforeUp(provider, { ...plan, sizeGb: 5 }, "nyc1");
    const bare: Provider = { ...provider, volumes: undefined };
    expect(() => volumeOps(bare)).toThrow(/not available on digitalocean/);
  });

  it("sends the script on stdin and every value as one quoted argument", () => {
    const vol = {
      id: "x",
      name: "a-very-long-volume-name",
      sizeGb: 1,
      region: "fra1",
      attachedTo: [],
      createdAt: "",
      devicePath: "/dev/disk/by-id/scsi-0DO_Volume_a-very-long-volume-name",
    };
    const { command, stdin } = mountCommand(vol, "dev");
    expect(command).toBe(
      "sudo -n bash -s -- '/dev/disk/by-id/scsi-0DO_Volume_a-very-long-volume-name' '/home/dev/workspace' 'a-very-long-volu' 'dev'",
    );
    expect(stdin).toMatch(/^#!\/usr\/bin\/env bash\n/);
    expect(parseMountOutput("uuid=0b4f11aa-1b2c-4d5e-8f90-123456789abc\nformatted=no\n")).toEqual({
      uuid: "0b4f11aa-1b2c-4d5e-8f90-123456789abc",
      formatted: false,
    });
    expect(() => parseMountOutput("uuid=$(id)\nformatted=no\n")).toThrow(/did not identify/);
  });

  it("a volume the provider mounted (local nspawn) is only checked and handed over; its UUID is the provider's", () => {
    const vol = {
      id: "v-0123456789",
      name: "w",
      sizeGb: 10,
      region: "local",
      attachedTo: ["m-0123456789"],
      createdAt: "",
      devicePath: "/var/lib/spuff/volumes/v-0123456789/disk.img",
      mounted: {
        path: "/home/dev/workspace",
        fsUuid: "0b4f11aa-1b2c-4d5e-8f90-123456789abc",
        formatted: true,
      },
    };
    // The host image path never reaches the guest: there is no such device in the machine.
    expect(mountCommand(vol, "dev").command).toBe(
      "sudo -n bash -s -- '--mounted' '/home/dev/workspace' 'dev'",
    );
    expect(parseMountOutput("mounted=yes\n", vol)).toEqual({ uuid: vol.mounted.fsUuid, formatted: true });
    // A guest that answers in the cloud format cannot choose the UUID recorded for the volume.
    expect(() => parseMountOutput("uuid=ffffffff-1b2c-4d5e-8f90-123456789abc\nformatted=no\n", vol)).toThrow(
      /not at ~\/workspace/,
    );
  });
});
