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
import { changeVolume, type VolumeApi } from "../volume-change.ts";
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
  const vol: VolumeApi<DoVolume> = { http, clock, read: mustGet };
  /** One volume action (its `type` in the body); the volume once `done` holds. */
  const change = async (
    id: string,
    body: object,
    done: (v: DoVolume) => boolean,
    what: string,
    w: WaitOptions,
  ) => toVolume(await changeVolume(vol, { id, path: `/v2/volumes/${enc(id)}/actions`, body, done, what }, w));
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
      const body = { type: "attach", droplet_id: Number(instanceId) };
      const what = `volume ${volumeId} attached to ${instanceId}`;
      return change(volumeId, body, (v) => attached(v, instanceId), what, w);
    },
    async detachVolume(volumeId, instanceId, w) {
      const body = { type: "detach", droplet_id: Number(instanceId) };
      return change(volumeId, body, (v) => !attached(v, instanceId), `volume ${volumeId} detached`, w);
    },
    async resizeVolume(volumeId, sizeGb, w) {
      const body = { type: "resize", size_gigabytes: sizeGb };
      return change(volumeId, body, (v) => v.size_gigabytes >= sizeGb, `volume ${volumeId} resized`, w);
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
