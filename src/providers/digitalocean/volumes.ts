/**
 * DigitalOcean Block Storage as spuff's VolumeOps. A volume is created in the droplet's region,
 * tagged `spuff`, named exactly as the user named it (so the guest finds it at
 * /dev/disk/by-id/scsi-0DO_Volume_<name>). Attach/detach wait on the volume's own `droplet_ids`,
 * not only the action, so "detached" is what the API reports afterwards.
 */
import type { Clock } from "../../core/clock.ts";
import { ProviderError } from "../errors.ts";
import type { HttpClient } from "../http.ts";
import type { Volume, VolumeOps, WaitOptions } from "../types.ts";
import { ACTION_BACKOFF, waitFor } from "../wait.ts";
import type { DigitalOceanClient } from "./client.ts";
import { SPUFF_TAG } from "./map.ts";

export interface DoVolume {
  id: string;
  name: string;
  size_gigabytes: number;
  created_at: string;
  droplet_ids: number[] | null;
  region: { slug: string };
  tags: string[] | null;
}

export const doVolumeDevice = (name: string) => `/dev/disk/by-id/scsi-0DO_Volume_${name}`;

export function toVolume(v: DoVolume): Volume {
  return {
    id: v.id,
    name: v.name,
    sizeGb: v.size_gigabytes,
    region: v.region.slug,
    attachedTo: (v.droplet_ids ?? []).map(String),
    createdAt: v.created_at,
    devicePath: doVolumeDevice(v.name),
  };
}

const isSpuffs = (v: DoVolume) => (v.tags ?? []).includes(SPUFF_TAG);
const enc = (id: string) => encodeURIComponent(id);

export function doVolumes(http: HttpClient, api: DigitalOceanClient, clock: Clock): VolumeOps {
  const get = async (id: string): Promise<DoVolume | undefined> => {
    try {
      return (await http.request<{ volume: DoVolume }>("GET", `/v2/volumes/${enc(id)}`)).body.volume;
    } catch (err) {
      if (err instanceof ProviderError && err.kind === "not_found") return undefined;
      throw err;
    }
  };
  const byName = async (name: string, region?: string) =>
    (await api.paginate<DoVolume>("/v2/volumes", "volumes", { name, region })).find(isSpuffs);
  const mustGet = async (id: string) => {
    const v = await get(id);
    if (!v)
      throw new ProviderError({ kind: "not_found", provider: "digitalocean", message: `No volume ${id}.` });
    return v;
  };
  /** POST a volume action; a lost response is recovered by looking at the volume itself. */
  const action = async (id: string, body: Record<string, unknown>, done: (v: DoVolume) => boolean) => {
    await http.request("POST", `/v2/volumes/${enc(id)}/actions`, {
      body,
      idempotent: false,
      recover: async () => (done(await mustGet(id)) ? { action: undefined } : undefined),
    });
  };
  const until = (id: string, what: string, done: (v: DoVolume) => boolean, w: WaitOptions) =>
    waitFor({
      clock,
      timeoutMs: w.timeoutMs,
      signal: w.signal,
      what,
      backoff: ACTION_BACKOFF,
      tolerateRetryable: true,
      poll: () => mustGet(id),
      isDone: done,
    });
  const attached = (v: DoVolume, droplet: string) => (v.droplet_ids ?? []).map(String).includes(droplet);

  return {
    async listVolumes() {
      return (await api.paginate<DoVolume>("/v2/volumes", "volumes")).filter(isSpuffs).map(toVolume);
    },
    async findVolume(name) {
      const v = await byName(name);
      return v && toVolume(v);
    },
    async createVolume(req) {
      const res = await http.request<{ volume: DoVolume }>("POST", "/v2/volumes", {
        body: {
          name: req.name,
          size_gigabytes: req.sizeGb,
          region: req.region,
          description: "spuff workspace volume",
          tags: [SPUFF_TAG],
        },
        idempotent: false,
        recover: async () => {
          const found = await byName(req.name, req.region);
          return found ? { volume: found } : undefined;
        },
      });
      return toVolume(res.body.volume);
    },
    async attachVolume(volumeId, instanceId, w) {
      const done = (v: DoVolume) => attached(v, instanceId);
      if (!done(await mustGet(volumeId)))
        await action(volumeId, { type: "attach", droplet_id: Number(instanceId) }, done);
      return toVolume(await until(volumeId, `volume ${volumeId} attached to ${instanceId}`, done, w));
    },
    async detachVolume(volumeId, instanceId, w) {
      const done = (v: DoVolume) => !attached(v, instanceId);
      const now = await get(volumeId);
      if (!now)
        throw new ProviderError({
          kind: "not_found",
          provider: "digitalocean",
          message: `No volume ${volumeId}.`,
        });
      if (!done(now)) await action(volumeId, { type: "detach", droplet_id: Number(instanceId) }, done);
      return toVolume(await until(volumeId, `volume ${volumeId} detached`, done, w));
    },
    async resizeVolume(volumeId, sizeGb, w) {
      const done = (v: DoVolume) => v.size_gigabytes >= sizeGb;
      if (!done(await mustGet(volumeId)))
        await action(volumeId, { type: "resize", size_gigabytes: sizeGb }, done);
      return toVolume(await until(volumeId, `volume ${volumeId} resized`, done, w));
    },
    async deleteVolume(volumeId) {
      try {
        await http.request("DELETE", `/v2/volumes/${enc(volumeId)}`);
      } catch (err) {
        if (err instanceof ProviderError && err.kind === "not_found") return;
        throw err;
      }
    },
  };
}
