/** State → Hetzner JSON, complete enough to satisfy every `required` in the spec. */
import { findLocation, findType, LOCATIONS, SERVER_TYPES, serverTypeJson } from "./catalog.ts";
import { firewallsOf } from "./firewalls.ts";
import type { HetznerState, SimAction, SimImage, SimServer, SimSshKey } from "./state.ts";

export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");

export function errorBody(code: string, message: string, details: object | null = null) {
  return { error: { code, message, details } };
}

export function actionJson(a: SimAction) {
  return {
    id: a.id,
    command: a.command,
    status: a.status,
    progress: a.status === "running" ? 0 : 100,
    started: iso(a.startedAt),
    finished: a.finishedAt === undefined ? null : iso(a.finishedAt),
    resources: a.resources,
    error: a.error ?? null,
  };
}

export function imageJson(img: SimImage) {
  return {
    id: img.id,
    type: img.type,
    status: img.creating ? ("creating" as const) : ("available" as const),
    name: img.name,
    description: img.description,
    // Compressed size in GB: known only once the snapshot is done.
    image_size: img.type === "snapshot" && !img.creating ? 0.42 : null,
    disk_size: img.diskSize,
    created: iso(img.createdAt),
    created_from: img.createdFrom,
    bound_to: null,
    os_flavor: img.osFlavor,
    os_version: img.osVersion,
    rapid_deploy: img.type === "system",
    protection: { delete: false },
    deprecated: null,
    deleted: null,
    labels: { ...img.labels },
    architecture: img.architecture,
  };
}

export function serverJson(st: HetznerState, s: SimServer) {
  const type = findType(s.serverType) ?? SERVER_TYPES[0];
  const location = findLocation(s.location) ?? LOCATIONS[0];
  const image = st.images.get(s.imageId);
  const status = st.serverStatus(s);
  const ip = status === "running" || status === "off" ? s.ip : null;
  return {
    id: s.id,
    name: s.name,
    status,
    created: iso(s.createdAt),
    public_net: {
      ipv4: ip ? { id: s.id + 1, ip, blocked: false, dns_ptr: `static.${ip}.clients.your-server.de` } : null,
      ipv6: null,
      floating_ips: [],
      firewalls: firewallsOf(st, s).map((f) => ({ id: f.id, status: "applied" })),
    },
    private_net: [],
    server_type: type && serverTypeJson(type),
    location: location,
    image: image ? imageJson(image) : null,
    iso: null,
    rescue_enabled: false,
    locked: false,
    backup_window: null,
    outgoing_traffic: 0,
    ingoing_traffic: 0,
    included_traffic: 21_990_232_555_520,
    protection: { delete: false, rebuild: false },
    labels: { ...s.labels },
    volumes: [...st.volumes.values()].filter((v) => v.server === s.id).map((v) => v.id),
    load_balancers: [],
    primary_disk_size: type?.disk ?? 40,
    placement_group: null,
  };
}

export function sshKeyJson(k: SimSshKey) {
  return {
    id: k.id,
    name: k.name,
    fingerprint: k.fingerprint,
    public_key: k.public_key,
    labels: { ...k.labels },
    created: iso(k.createdAt),
  };
}

/**
 * One page of `items` under `key`, with `meta.pagination` and a `Link` header built on the
 * caller's own URL (spec "Pagination": per_page defaults to 25, at most 50; pages start at 1).
 */
export function page<T>(items: T[], key: string, url: URL) {
  const perPage = Math.min(50, Math.max(1, Number(url.searchParams.get("per_page") ?? 25) || 25));
  const pageNo = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string) => {
    const u = new URL(url);
    u.searchParams.set("page", String(n));
    u.searchParams.set("per_page", String(perPage));
    return `<${u}>; rel="${rel}"`;
  };
  const links = [
    ...(pageNo > 1 ? [link(pageNo - 1, "prev")] : []),
    ...(pageNo < last ? [link(pageNo + 1, "next")] : []),
    link(last, "last"),
  ];
  return {
    body: {
      [key]: items.slice((pageNo - 1) * perPage, pageNo * perPage),
      meta: {
        pagination: {
          page: pageNo,
          per_page: perPage,
          previous_page: pageNo > 1 ? pageNo - 1 : null,
          next_page: pageNo < last ? pageNo + 1 : null,
          last_page: last,
          total_entries: items.length,
        },
      },
    },
    headers: { link: links.join(", ") },
  };
}
