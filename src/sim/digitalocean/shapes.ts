/** State → DigitalOcean JSON, complete enough to satisfy every `required` in the spec. */
import { regionJson, SIZES, sizeJson } from "./catalog.ts";
import type { DoState, SimAction, SimDroplet, SimSnapshot } from "./state.ts";

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export function errorBody(id: string, message: string) {
  return { id, message, request_id: `sim-${Math.random().toString(16).slice(2, 10)}` };
}

export function dropletJson(st: DoState, d: SimDroplet) {
  const size = SIZES.find((s) => s.slug === d.size) ?? SIZES[0];
  const active = st.isActive(d);
  return {
    id: d.id,
    name: d.name,
    memory: size?.memory ?? 1024,
    vcpus: size?.vcpus ?? 1,
    disk: size?.disk ?? 25,
    locked: false,
    status: active ? "active" : "new",
    kernel: null,
    created_at: iso(d.createdAt),
    features: ["monitoring", "droplet_agent"],
    backup_ids: [],
    next_backup_window: null,
    snapshot_ids: [...d.snapshotIds],
    image: {
      ...d.image,
      public: d.image.type === "base",
      regions: [d.region],
      created_at: iso(d.createdAt - 86_400_000),
      min_disk_size: 15,
      size_gigabytes: 2.36,
      tags: [],
      status: "available",
    },
    volume_ids: [...st.volumes.values()].filter((v) => v.dropletIds.includes(d.id)).map((v) => v.id),
    size: size ? sizeJson(size) : undefined,
    size_slug: d.size,
    networks: active
      ? {
          v4: [
            { ip_address: d.ip, netmask: "255.255.240.0", gateway: "127.0.0.1", type: "public" },
            { ip_address: "10.10.0.2", netmask: "255.255.0.0", gateway: "10.10.0.1", type: "private" },
          ],
          v6: [],
        }
      : { v4: [], v6: [] },
    region: regionJson(d.region),
    tags: [...d.tags],
    vpc_uuid: "5a4981aa-9653-4bd1-bef5-d6bff52042e4",
  };
}

export function actionJson(a: SimAction, now: number) {
  return {
    id: a.id,
    status: a.done ? "completed" : "in-progress",
    type: a.type,
    started_at: iso(a.startedAt),
    completed_at: a.done ? iso(now) : null,
    resource_id: a.dropletId,
    resource_type: "droplet",
    region: regionJson(a.region),
    region_slug: a.region,
  };
}

const snapBase = (s: SimSnapshot) => ({
  name: s.name,
  created_at: iso(s.createdAt),
  regions: [s.region],
  min_disk_size: s.minDisk,
  size_gigabytes: s.sizeGb,
});

/** Item of GET /v2/snapshots (string id, resource fields). */
export const snapshotJson = (s: SimSnapshot) => ({
  id: String(s.id),
  ...snapBase(s),
  resource_id: String(s.dropletId),
  resource_type: "droplet",
  tags: [],
});

/** Item of GET /v2/droplets/{id}/snapshots (integer id, type). */
export const dropletSnapshotJson = (s: SimSnapshot) => ({ id: s.id, ...snapBase(s), type: "snapshot" });

/** One page plus DO's links/meta; links use the caller's base URL like the real API. */
export function page<T>(items: T[], key: string, base: string, path: string, query: URLSearchParams) {
  const perPage = Math.min(200, Math.max(1, Number(query.get("per_page") ?? 20) || 20));
  const pageNo = Math.max(1, Number(query.get("page") ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number) => {
    const q = new URLSearchParams(query);
    q.set("page", String(n));
    q.set("per_page", String(perPage));
    return `${base}${path}?${q}`;
  };
  const pages: Record<string, string> = {};
  if (pageNo > 1) Object.assign(pages, { first: link(1), prev: link(pageNo - 1) });
  if (pageNo < last) Object.assign(pages, { next: link(pageNo + 1), last: link(last) });
  return {
    [key]: items.slice((pageNo - 1) * perPage, pageNo * perPage),
    links: { pages },
    meta: { total: items.length },
  };
}
