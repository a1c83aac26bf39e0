/**
 * Hetzner Cloud Volumes as spuff's VolumeOps: created in the server's location with spuff's
 * labels, automount off (the guest formats-if-blank and mounts it itself), found by name and
 * label, seen by the guest at /dev/disk/by-id/scsi-0HC_Volume_<id>. Hetzner volumes are at least
 * 10 GB: a smaller request is rounded up to that. Attach/detach wait on the volume's `server`.
 */
import type { Clock } from "../../core/clock.ts";
import { ProviderError } from "../errors.ts";
import type { HttpClient } from "../http.ts";
import type { Volume, VolumeOps, WaitOptions } from "../types.ts";
import { changeVolume, type VolumeApi } from "../volume-change.ts";
import type { HetznerClient } from "./client.ts";
import { SPUFF_LABEL } from "./map.ts";

export const HETZNER_MIN_VOLUME_GB = 10;

interface HzVolume {
  id: number;
  name: string;
  size: number;
  created: string;
  server: number | null;
  location: { name: string };
  labels: Record<string, string>;
}

const toVolume = (v: HzVolume): Volume => ({
  id: String(v.id),
  name: v.name,
  sizeGb: v.size,
  region: v.location.name,
  attachedTo: v.server === null ? [] : [String(v.server)],
  createdAt: v.created,
  devicePath: `/dev/disk/by-id/scsi-0HC_Volume_${v.id}`,
});

const SELECTOR = `${SPUFF_LABEL}=true`;

export function hetznerVolumes(http: HttpClient, api: HetznerClient, clock: Clock): VolumeOps {
  const get = async (id: string): Promise<HzVolume> => {
    try {
      return (await http.request<{ volume: HzVolume }>("GET", `/volumes/${encodeURIComponent(id)}`)).body
        .volume;
    } catch (err) {
      if (err instanceof ProviderError && err.kind === "not_found")
        throw new ProviderError({ kind: "not_found", provider: "hetzner", message: `No volume ${id}.` });
      throw err;
    }
  };
  const named = async (name: string) =>
    (await api.paginate<HzVolume>("/volumes", "volumes", { name, label_selector: SELECTOR })).find(
      (v) => v.name === name,
    );
  const vol: VolumeApi<HzVolume> = { http, clock, read: get };
  /** One volume action (body undefined: none sent); the volume once `done` holds. */
  const change = async (
    id: string,
    action: string,
    body: object | undefined,
    done: (v: HzVolume) => boolean,
    what: string,
    w: WaitOptions,
  ) => {
    const path = `/volumes/${encodeURIComponent(id)}/actions/${action}`;
    return toVolume(await changeVolume(vol, { id, path, body, done, what }, w));
  };
  return {
    async listVolumes() {
      return (await api.paginate<HzVolume>("/volumes", "volumes", { label_selector: SELECTOR })).map(
        toVolume,
      );
    },
    async findVolume(name) {
      const v = await named(name);
      return v && toVolume(v);
    },
    async createVolume(req) {
      const res = await http.request<{ volume: HzVolume }>("POST", "/volumes", {
        body: {
          name: req.name,
          size: Math.max(HETZNER_MIN_VOLUME_GB, req.sizeGb),
          location: req.region,
          labels: { [SPUFF_LABEL]: "true", "spuff-volume": req.name },
          automount: false,
        },
        idempotent: false,
        recover: async () => {
          const found = await named(req.name);
          return found ? { volume: found } : undefined;
        },
      });
      return toVolume(res.body.volume);
    },
    async attachVolume(volumeId, instanceId, w) {
      const body = { server: Number(instanceId), automount: false };
      const what = `volume ${volumeId} attached to ${instanceId}`;
      return change(volumeId, "attach", body, (v) => String(v.server) === instanceId, what, w);
    },
    async detachVolume(volumeId, instanceId, w) {
      const done = (v: HzVolume) => String(v.server) !== instanceId;
      return change(volumeId, "detach", undefined, done, `volume ${volumeId} detached`, w);
    },
    async resizeVolume(volumeId, sizeGb, w) {
      const done = (v: HzVolume) => v.size >= sizeGb;
      return change(volumeId, "resize", { size: sizeGb }, done, `volume ${volumeId} resized`, w);
    },
    async deleteVolume(volumeId) {
      try {
        await http.request("DELETE", `/volumes/${encodeURIComponent(volumeId)}`);
      } catch (err) {
        if (err instanceof ProviderError && err.kind === "not_found") return;
        throw err;
      }
    },
  };
}
