/**
 * Hetzner Cloud Volumes in the simulator: /volumes (list with Hetzner's filters, create, get,
 * update labels/name, delete) and the attach, detach and resize actions. The attachment shows
 * once the action succeeds, as on Hetzner; `automount` is accepted and ignored (spuff sends
 * false: the guest mounts it itself). With a machine backend that has volume devices, the
 * device appears in the server's machine as /dev/disk/by-id/scsi-0HC_Volume_<id>.
 */
import type { SimResponse } from "../server.ts";
import { findLocation, LOCATIONS } from "./catalog.ts";
import { fail, invalidField, labelsProblem } from "./servers.ts";
import { actionJson } from "./shapes.ts";
import type { HetznerState } from "./state.ts";

type Body = Record<string, unknown>;
const notFound = () => fail(404, "not_found", "resource not found");
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");

export interface SimHcVolume {
  id: number;
  name: string;
  location: string;
  size: number;
  labels: Record<string, string>;
  server: number | null;
  createdAt: number;
}

export const hcDevice = (id: number) => `/dev/disk/by-id/scsi-0HC_Volume_${id}`;

export function hcVolumeJson(v: SimHcVolume) {
  const loc = findLocation(v.location) ?? LOCATIONS[0];
  return {
    id: v.id,
    created: iso(v.createdAt),
    name: v.name,
    server: v.server,
    location: loc,
    size: v.size,
    linux_device: hcDevice(v.id),
    protection: { delete: false },
    labels: { ...v.labels },
    status: "available",
    format: null,
  };
}

type Listed = (items: ReturnType<typeof hcVolumeJson>[], key: string, url: URL) => SimResponse;

export async function volumeRoutes(
  st: HetznerState,
  m: string,
  seg: (string | undefined)[],
  body: Body,
  url: URL,
  listed: Listed,
): Promise<SimResponse> {
  const [id, c, d] = seg;
  if (!id && m === "GET") return listed([...st.volumes.values()].map(hcVolumeJson), "volumes", url);
  if (!id && m === "POST") return create(st, body);
  const v = id ? st.volumes.get(Number(id)) : undefined;
  if (!v) return notFound();
  if (!c && m === "GET") return { status: 200, body: { volume: hcVolumeJson(v) } };
  if (!c && m === "PUT") {
    const bad = labelsProblem(body.labels);
    if (bad) return bad;
    if (typeof body.name === "string") v.name = body.name;
    if (body.labels) v.labels = { ...(body.labels as Record<string, string>) };
    return { status: 200, body: { volume: hcVolumeJson(v) } };
  }
  if (!c && m === "DELETE") {
    if (v.server !== null)
      return fail(422, "volume_attached", "volume is attached to a server; detach it first");
    if (st.busy(v.id)) return fail(423, "locked", "volume is locked by a running action");
    st.volumes.delete(v.id);
    await st.backend.deleteVolume?.(String(v.id));
    return { status: 204 };
  }
  if (c === "actions" && m === "POST") return action(st, v, d, body);
  if (c === "actions" && m === "GET" && d) {
    const act = st.actions.get(Number(d));
    const mine = act?.resources.some((r) => r.type === "volume" && r.id === v.id);
    return act && mine ? { status: 200, body: { action: actionJson(act) } } : notFound();
  }
  return notFound();
}

function create(st: HetznerState, body: Body): SimResponse {
  const size = Number(body.size);
  if (!Number.isInteger(size) || size < 10 || size > 10240)
    return invalidField("size", "must be 10-10240 GB");
  const name = String(body.name ?? "");
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,62}[a-zA-Z0-9])?$/.test(name))
    return invalidField("name", "invalid name");
  if ([...st.volumes.values()].some((v) => v.name === name))
    return fail(409, "uniqueness_error", "volume with the same name already exists", {
      fields: [{ name: "name" }],
    });
  const bad = labelsProblem(body.labels);
  if (bad) return bad;
  if (body.server !== undefined) return invalidField("server", "not simulated: create, then attach");
  const loc = typeof body.location === "string" ? findLocation(body.location) : undefined;
  if (!loc) return invalidField("location", "unknown location");
  const v: SimHcVolume = {
    id: st.nextId(),
    name,
    location: loc.name,
    size,
    labels: { ...((body.labels as Record<string, string> | undefined) ?? {}) },
    server: null,
    createdAt: st.timeline.now(),
  };
  st.volumes.set(v.id, v);
  const act = st.startAction("create_volume", [{ id: v.id, type: "volume" }]);
  return { status: 201, body: { volume: hcVolumeJson(v), action: actionJson(act), next_actions: [] } };
}

async function action(
  st: HetznerState,
  v: SimHcVolume,
  kind: string | undefined,
  body: Body,
): Promise<SimResponse> {
  if (st.busy(v.id)) return fail(423, "locked", "volume is locked by a running action");
  const res = [{ id: v.id, type: "volume" }];
  if (kind === "resize") {
    const size = Number(body.size);
    if (!Number.isInteger(size) || size <= v.size) return invalidField("size", "volumes can only grow");
    await st.backend.resizeVolume?.(String(v.id), size);
    const act = st.startAction("resize_volume", res, { onSuccess: () => (v.size = size) });
    return { status: 201, body: { action: actionJson(act) } };
  }
  if (kind === "detach") {
    if (v.server === null) return fail(422, "volume_not_attached", "volume is not attached");
    const server = v.server;
    await st.backend.detachVolume?.(String(server), String(v.id));
    const act = st.startAction("detach_volume", [...res, { id: server, type: "server" }], {
      onSuccess: () => (v.server = null),
    });
    return { status: 201, body: { action: actionJson(act) } };
  }
  if (kind === "attach") {
    const s = st.servers.get(Number(body.server));
    if (!s) return invalidField("server", "server not found");
    if (s.location !== v.location)
      return fail(422, "invalid_server_location", "server and volume must be in the same location");
    if (v.server !== null)
      return fail(422, "volume_already_attached", "volume is already attached to a server");
    await st.backend.attachVolume?.(String(s.id), {
      id: String(v.id),
      sizeGb: v.size,
      byId: `scsi-0HC_Volume_${v.id}`,
    });
    const act = st.startAction("attach_volume", [...res, { id: s.id, type: "server" }], {
      onSuccess: () => {
        if (st.servers.has(s.id)) v.server = s.id;
      },
    });
    return { status: 201, body: { action: actionJson(act) } };
  }
  return notFound();
}
