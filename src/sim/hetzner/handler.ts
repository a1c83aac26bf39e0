/**
 * Hetzner Cloud API v1 routes over HetznerState: the subset spuff uses (plus what `hcloud` needs
 * to list and describe servers), rate limited, with Hetzner's error envelope.
 */
import { md5Fingerprint } from "../../providers/ssh-fingerprint.ts";
import { dropDiskImage } from "../backend.ts";
import type { SimRequest, SimResponse } from "../server.ts";
import { LOCATIONS, pricingJson, SERVER_TYPES, serverTypeJson } from "./catalog.ts";
import { firewalls } from "./firewalls.ts";
import { compileSelector } from "./labels.ts";
import type { RateLimiter } from "./rate-limit.ts";
import {
  type CreateLimits,
  createImage,
  createServer,
  deleteServer,
  fail,
  invalidField,
  labelsProblem,
  powerAction,
} from "./servers.ts";
import { actionJson, imageJson, page, serverJson, sshKeyJson } from "./shapes.ts";
import type { HetznerState } from "./state.ts";
import { volumeRoutes } from "./volumes.ts";

type Body = Record<string, unknown>;
const notFound = () => fail(404, "not_found", "resource not found");

/** The resource's list filters: `name`, `label_selector`, `sort` (any field, :asc/:desc). */
type Listable = { id: number; name?: string | null; created?: string; labels?: object };

function filterSort<T extends Listable>(items: T[], q: URLSearchParams): T[] | SimResponse {
  let out = items;
  const name = q.get("name");
  if (name !== null) out = out.filter((i) => i.name === name);
  const sel = q.get("label_selector");
  if (sel !== null) {
    const match = compileSelector(sel);
    if (!match) return invalidField("label_selector", "unable to parse label selector");
    out = out.filter((i) => match((i.labels ?? {}) as Record<string, string>));
  }
  for (const s of q.getAll("sort").reverse()) {
    const [field = "id", dir = "asc"] = s.split(":");
    const sign = dir === "desc" ? -1 : 1;
    out = [...out].sort((a, b) => sign * compareField(a, b, field));
  }
  return out;
}

/** Numbers compare as numbers (ids), the rest as strings (names, ISO times, statuses). */
function compareField(a: object, b: object, field: string): number {
  const x = (a as Record<string, unknown>)[field];
  const y = (b as Record<string, unknown>)[field];
  if (typeof x === "number" && typeof y === "number") return x - y;
  const [sx, sy] = [String(x ?? ""), String(y ?? "")];
  return sx < sy ? -1 : sx > sy ? 1 : 0;
}

function listed<T extends Listable>(items: T[], key: string, url: URL): SimResponse {
  const out = filterSort(items, url.searchParams);
  if (!Array.isArray(out)) return out;
  return { status: 200, ...page(out, key, url) };
}

export interface HandlerOptions extends CreateLimits {
  token: string;
  limiter: RateLimiter;
}

export function createHetznerHandler(st: HetznerState, o: HandlerOptions) {
  return async (req: SimRequest): Promise<SimResponse> => {
    // Every request counts against the limit, authenticated or not (spec "Rate Limiting").
    if (!o.limiter.take()) return fail(429, "rate_limit_exceeded", "limit of requests per hour reached");
    if (req.headers.authorization !== `Bearer ${o.token}`)
      return fail(401, "unauthorized", "unable to authenticate");
    st.settle();
    const url = new URL(`http://${req.headers.host}${req.path}`);
    for (const [k, v] of req.query) url.searchParams.append(k, v);
    const seg = req.path.split("/").filter(Boolean); // ["v1", resource, id, ...]
    if (seg[0] !== "v1") return notFound();
    const [, a, b, c, d] = seg;
    const m = req.method;
    const body = (req.body ?? {}) as Body;

    if (a === "servers") {
      if (!b && m === "GET") {
        const statuses = req.query.getAll("status");
        const all = [...st.servers.values()].map((s) => serverJson(st, s));
        return listed(
          all.filter((s) => statuses.length === 0 || statuses.includes(s.status)),
          "servers",
          url,
        );
      }
      if (!b && m === "POST") return createServer(st, body, o);
      const s = b ? st.servers.get(Number(b)) : undefined;
      if (!s) return notFound();
      if (!c && m === "GET") return { status: 200, body: { server: serverJson(st, s) } };
      if (!c && m === "DELETE") return deleteServer(st, s);
      if (c === "actions" && m === "POST" && d === "create_image") return createImage(st, s, body);
      if (c === "actions" && m === "POST" && d === "shutdown") return powerAction(st, s, "shutdown_server");
      if (c === "actions" && m === "POST" && d === "poweroff") return powerAction(st, s, "stop_server");
      if (c === "actions" && m === "POST" && d === "poweron") return powerAction(st, s, "start_server");
      if (c === "actions" && m === "POST" && d === "reboot") return powerAction(st, s, "reboot_server");
      if (c === "actions" && m === "GET" && !d) return listed(actionsOf(st, [s.id]), "actions", url);
      if (c === "actions" && m === "GET" && d) {
        const act = st.actions.get(Number(d));
        const mine = act?.resources.some((r) => r.type === "server" && r.id === s.id);
        return act && mine ? { status: 200, body: { action: actionJson(act) } } : notFound();
      }
      return notFound();
    }
    if (a === "actions" && !b && m === "GET") return actionList(st, url);
    if (a === "actions" && b && !c && m === "GET") {
      const act = st.actions.get(Number(b));
      return act ? { status: 200, body: { action: actionJson(act) } } : notFound();
    }
    if (a === "firewalls") return firewalls(st, { m, id: b, c, d, body, url }, listed);
    if (a === "images") return images(st, m, b, body, url);
    if (a === "volumes") return volumeRoutes(st, m, [b, c, d], body, url, listed);
    if (a === "ssh_keys") return sshKeys(st, m, b, body, url);
    if (a === "server_types" && !b && m === "GET")
      return listed(SERVER_TYPES.map(serverTypeJson), "server_types", url);
    if (a === "locations" && !b && m === "GET") return listed(LOCATIONS, "locations", url);
    if (a === "pricing" && !b && m === "GET") return { status: 200, body: { pricing: pricingJson() } };
    return notFound();
  };
}

async function images(
  st: HetznerState,
  m: string,
  id: string | undefined,
  body: Body,
  url: URL,
): Promise<SimResponse> {
  if (!id && m === "GET") {
    const q = url.searchParams;
    const types = q.getAll("type");
    const statuses = q.getAll("status");
    const arch = q.get("architecture");
    const all = [...st.images.values()]
      .map(imageJson)
      .filter(
        (i) =>
          (types.length === 0 || types.includes(i.type)) &&
          (statuses.length === 0 || statuses.includes(i.status)) &&
          (arch === null || i.architecture === arch),
      );
    return listed(all, "images", url);
  }
  const img = id ? st.images.get(Number(id)) : undefined;
  if (!img) return notFound();
  if (m === "GET") return { status: 200, body: { image: imageJson(img) } };
  if (img.type === "system") return fail(403, "forbidden", "system images cannot be changed");
  if (m === "PUT") {
    const bad = labelsProblem(body.labels);
    if (bad) return bad;
    if (typeof body.description === "string") img.description = body.description;
    if (body.labels) img.labels = { ...(body.labels as Record<string, string>) };
    return { status: 200, body: { image: imageJson(img) } };
  }
  if (m === "DELETE") {
    st.images.delete(img.id);
    await dropDiskImage(st.backend, img.backendImage);
    return { status: 204 };
  }
  return notFound();
}

function sshKeys(st: HetznerState, m: string, id: string | undefined, body: Body, url: URL): SimResponse {
  if (!id && m === "GET") {
    const fp = url.searchParams.get("fingerprint");
    const all = [...st.sshKeys.values()].map(sshKeyJson).filter((k) => fp === null || k.fingerprint === fp);
    return listed(all, "ssh_keys", url);
  }
  if (!id && m === "POST") {
    const pub = String(body.public_key ?? "").trim();
    const fingerprint = md5Fingerprint(pub);
    if (!fingerprint || !/^(ssh-|ecdsa-)/.test(pub)) return invalidField("public_key", "invalid public key");
    const bad = labelsProblem(body.labels);
    if (bad) return bad;
    const keys = [...st.sshKeys.values()];
    if (keys.some((k) => k.fingerprint === fingerprint))
      return fail(409, "uniqueness_error", "SSH key with the same fingerprint already exists", {
        fields: [{ name: "public_key" }],
      });
    if (keys.some((k) => k.name === body.name))
      return fail(409, "uniqueness_error", "SSH key with the same name already exists", {
        fields: [{ name: "name" }],
      });
    const key = {
      id: st.nextId(),
      name: String(body.name),
      fingerprint,
      public_key: pub,
      labels: { ...((body.labels as Record<string, string> | undefined) ?? {}) },
      createdAt: st.timeline.now(),
    };
    st.sshKeys.set(key.id, key);
    return { status: 201, body: { ssh_key: sshKeyJson(key) } };
  }
  const key = id ? st.sshKeys.get(Number(id)) : undefined;
  if (!key) return notFound();
  if (m === "GET") return { status: 200, body: { ssh_key: sshKeyJson(key) } };
  if (m === "DELETE") {
    st.sshKeys.delete(key.id);
    return { status: 204 };
  }
  return notFound();
}

/** The actions touching any of these resources, as `GET /servers/{id}/actions` lists them. */
function actionsOf(st: HetznerState, resourceIds: number[]) {
  return [...st.actions.values()]
    .filter((a) => a.resources.some((r) => resourceIds.includes(r.id)))
    .map(actionJson);
}

/**
 * `GET /actions?id=…`: the spec requires at least one id (what hcloud polls while it waits);
 * unknown ids are left out, not an error. Sorted and paged like every list.
 */
function actionList(st: HetznerState, url: URL): SimResponse {
  const ids = url.searchParams.getAll("id").map(Number);
  if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n < 1))
    return invalidField("id", "at least one action id is required");
  const found = ids.flatMap((n) => {
    const a = st.actions.get(n);
    return a ? [actionJson(a)] : [];
  });
  return listed(found, "actions", url);
}
