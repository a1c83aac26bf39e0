/**
 * DigitalOcean Block Storage in the simulator: /v2/volumes (list, create, get, delete, delete by
 * name) and volume actions (attach, detach, resize, by id or by name). An attach or detach takes
 * effect when its action completes on the timeline, as on DO; with a machine backend the device
 * is plugged into (or pulled from) the droplet's machine at the request.
 */
import type { SimRequest, SimResponse } from "../server.ts";
import { REGIONS, regionJson } from "./catalog.ts";
import { errorBody, page } from "./shapes.ts";
import type { DoState, SimVolume } from "./state.ts";

const err = (status: number, id: string, message: string): SimResponse => ({
  status,
  body: errorBody(id, message),
});
const notFound = () => err(404, "not_found", "The resource you were accessing could not be found.");
const invalid = (message: string) => err(422, "unprocessable_entity", message);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
// The spec's rule for a volume name: lowercase letters, digits and "-", starting with a letter.
const NAME = /^[a-z][a-z0-9-]{0,63}$/;

type Body = Record<string, unknown>;

export function volumeJson(v: SimVolume) {
  return {
    id: v.id,
    name: v.name,
    description: v.description,
    size_gigabytes: v.sizeGb,
    created_at: iso(v.createdAt),
    droplet_ids: [...v.dropletIds],
    region: regionJson(v.region),
    tags: [...v.tags],
    filesystem_type: "",
    filesystem_label: "",
  };
}

/** Routes under /v2/volumes; `seg` is the path without its leading "v2". */
export async function volumeRoutes(st: DoState, req: SimRequest, seg: string[]): Promise<SimResponse> {
  const [, b, c, d] = seg;
  const m = req.method;
  const body = (req.body ?? {}) as Body;
  const base = `http://${req.headers.host}`;
  if (!b && m === "GET") {
    const name = req.query.get("name");
    const region = req.query.get("region");
    const list = [...st.volumes.values()].filter(
      (v) => (!name || v.name === name) && (!region || v.region === region),
    );
    return { status: 200, body: page(list.map(volumeJson), "volumes", base, req.path, req.query) };
  }
  if (!b && m === "POST") return createVolume(st, body);
  if (!b && m === "DELETE") {
    const v = byName(st, req.query.get("name"), req.query.get("region"));
    return v ? deleteVolume(st, v) : notFound();
  }
  if (b === "actions" && !c && m === "POST") {
    const v = byName(st, body.volume_name, body.region);
    return v ? volumeAction(st, v, body) : notFound();
  }
  const v = b ? st.volumes.get(b) : undefined;
  if (!v) return notFound();
  if (!c && m === "GET") return { status: 200, body: { volume: volumeJson(v) } };
  if (!c && m === "DELETE") return deleteVolume(st, v);
  if (c === "actions" && !d && m === "POST") return volumeAction(st, v, body);
  if (c === "actions" && d && m === "GET") {
    const a = st.actions.get(Number(d));
    if (!a || a.volumeId !== v.id) return notFound();
    return { status: 200, body: { action: volumeActionJson(st, a.id) } };
  }
  return notFound();
}

function byName(st: DoState, name: unknown, region: unknown): SimVolume | undefined {
  return [...st.volumes.values()].find((v) => v.name === name && (!region || v.region === region));
}

function createVolume(st: DoState, body: Body): SimResponse {
  const name = String(body.name ?? "");
  if (!NAME.test(name)) return invalid("Volume name must be lowercase letters, numbers and dashes.");
  if (!REGIONS.some((r) => r.slug === body.region)) return invalid("Invalid region.");
  const size = Number(body.size_gigabytes);
  if (!Number.isInteger(size) || size < 1 || size > 16384) return invalid("Invalid volume size.");
  if (byName(st, name, body.region))
    return err(409, "conflict", "a volume with that name already exists in this region");
  const v: SimVolume = {
    id: st.nextUuid(),
    name,
    description: String(body.description ?? ""),
    region: String(body.region),
    sizeGb: size,
    tags: (body.tags as string[] | undefined) ?? [],
    createdAt: st.timeline.now(),
    dropletIds: [],
  };
  st.volumes.set(v.id, v);
  return { status: 201, body: { volume: volumeJson(v) } };
}

async function deleteVolume(st: DoState, v: SimVolume): Promise<SimResponse> {
  if (v.dropletIds.length > 0 || st.pendingVolumeAction(v.id))
    return err(409, "conflict", "Volume is currently attached to a Droplet; detach it before deleting.");
  st.volumes.delete(v.id);
  await st.backend.deleteVolume?.(v.id);
  return { status: 204 };
}

async function volumeAction(st: DoState, v: SimVolume, body: Body): Promise<SimResponse> {
  if (st.pendingVolumeAction(v.id)) return invalid("Volume already has a pending event.");
  const type = String(body.type);
  if (type === "resize") {
    const size = Number(body.size_gigabytes);
    if (!Number.isInteger(size) || size <= v.sizeGb) return invalid("Volumes can only grow.");
    await st.backend.resizeVolume?.(v.id, size);
    return started(st, v, "resize", undefined, { sizeGb: size });
  }
  const droplet = st.droplets.get(Number(body.droplet_id));
  if (!droplet) return notFound();
  if (type === "attach") {
    if (droplet.region !== v.region) return invalid("Volume and Droplet must be in the same region.");
    if (v.dropletIds.length > 0) return invalid("Volume is already attached to a Droplet.");
    // With a machine backend the device appears in the droplet's machine now.
    await st.backend.attachVolume?.(String(droplet.id), {
      id: v.id,
      sizeGb: v.sizeGb,
      byId: `scsi-0DO_Volume_${v.name}`,
    });
    return started(st, v, "attach_volume", droplet.id);
  }
  if (type === "detach") {
    if (!v.dropletIds.includes(droplet.id)) return invalid("Volume is not attached to this Droplet.");
    await st.backend.detachVolume?.(String(droplet.id), v.id);
    return started(st, v, "detach_volume", droplet.id);
  }
  return invalid(`Volume action ${type} is not simulated.`);
}

function started(
  st: DoState,
  v: SimVolume,
  type: string,
  dropletId: number | undefined,
  extra: { sizeGb?: number } = {},
): SimResponse {
  const id = st.nextId();
  st.actions.set(id, {
    id,
    type,
    startedAt: st.timeline.now(),
    dropletId: dropletId ?? 0,
    region: v.region,
    done: false,
    volumeId: v.id,
    ...(extra.sizeGb ? { volumeSizeGb: extra.sizeGb } : {}),
  });
  return { status: 202, body: { action: volumeActionJson(st, id) } };
}

function volumeActionJson(st: DoState, id: number) {
  const a = st.actions.get(id);
  if (!a) throw new Error(`no action ${id}`);
  return {
    id: a.id,
    status: a.done ? "completed" : "in-progress",
    type: a.type,
    started_at: iso(a.startedAt),
    completed_at: a.done ? iso(st.timeline.now()) : null,
    resource_id: a.dropletId || null,
    resource_type: "volume",
    region: regionJson(a.region),
    region_slug: a.region,
  };
}
