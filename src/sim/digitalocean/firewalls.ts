/**
 * DigitalOcean Cloud Firewalls (`/v2/firewalls…`, `/v2/droplets/{id}/firewalls`): stored as the
 * API shows them, applied to droplets by id or by tag, and enforced on the droplets' simulated
 * public addresses (public-ports.ts) after every change and every droplet create.
 */
import { randomUUID } from "node:crypto";
import { cidrContains } from "../../core/cidr.ts";
import { type InboundRule, openPorts, parsePortRange } from "../public-ports.ts";
import type { SimResponse } from "../server.ts";
import { errorBody, page } from "./shapes.ts";
import type { DoState, SimDroplet } from "./state.ts";

type Endpoints = Record<string, unknown>;
export interface DoRule {
  protocol: string;
  ports: string;
  sources?: Endpoints;
  destinations?: Endpoints;
}

export interface SimFirewall {
  id: string;
  name: string;
  createdAt: number;
  dropletIds: number[];
  tags: string[];
  inbound: DoRule[];
  outbound: DoRule[];
}

type Body = Record<string, unknown>;
const invalid = (message: string): SimResponse => ({
  status: 422,
  body: errorBody("unprocessable_entity", message),
});
const notFound = (): SimResponse => ({
  status: 404,
  body: errorBody("not_found", "The resource you were accessing could not be found."),
});

export function firewallJson(f: SimFirewall) {
  return {
    id: f.id,
    name: f.name,
    status: "succeeded",
    created_at: new Date(f.createdAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
    pending_changes: [],
    droplet_ids: [...f.dropletIds],
    tags: [...f.tags],
    inbound_rules: f.inbound.map((r) => ({ ...r })),
    outbound_rules: f.outbound.map((r) => ({ ...r })),
  };
}

/** The firewalls covering a droplet: by its id or one of its tags. */
export function firewallsOf(st: DoState, d: SimDroplet): SimFirewall[] {
  return [...st.firewalls.values()].filter(
    (f) => f.dropletIds.includes(d.id) || f.tags.some((t) => d.tags.includes(t)),
  );
}

/** Applies every droplet's firewalls to its public address (no firewall: every port open). */
export async function enforceFirewalls(st: DoState, only?: SimDroplet): Promise<void> {
  if (!st.backend.setOpenPorts) return;
  for (const d of only ? [only] : [...st.droplets.values()]) {
    const fws = firewallsOf(st, d);
    const rules = fws.length === 0 ? undefined : fws.flatMap((f) => f.inbound.map(toInbound));
    await st.backend.setOpenPorts(String(d.id), openPorts(rules));
  }
}

function toInbound(r: DoRule): InboundRule {
  const addresses = (r.sources?.addresses as string[] | undefined) ?? [];
  return { protocol: r.protocol, ports: parsePortRange(r.ports), sources: addresses };
}

/** A rule set DO would refuse: bad protocol, port text or address. */
function rulesProblem(rules: unknown, side: "sources" | "destinations"): string | undefined {
  if (rules === undefined || rules === null) return undefined;
  for (const r of rules as DoRule[]) {
    if (!["tcp", "udp", "icmp"].includes(r.protocol)) return `invalid protocol ${r.protocol}`;
    if (r.protocol !== "icmp" && !/^(all|0|\d{1,5}(-\d{1,5})?)$/.test(r.ports))
      return `invalid ports ${JSON.stringify(r.ports)}`;
    for (const a of ((r[side] as Endpoints | undefined)?.addresses as string[] | undefined) ?? []) {
      if (!cidrContains(a, a.split("/")[0] ?? "")) return `invalid address ${JSON.stringify(a)}`;
    }
  }
  return undefined;
}

function fill(f: SimFirewall, body: Body): SimResponse | undefined {
  const bad =
    rulesProblem(body.inbound_rules, "sources") ?? rulesProblem(body.outbound_rules, "destinations");
  if (bad) return invalid(bad);
  f.name = String(body.name);
  f.dropletIds = ((body.droplet_ids as number[] | null | undefined) ?? []).map(Number);
  f.tags = [...((body.tags as string[] | null | undefined) ?? [])];
  f.inbound = [...((body.inbound_rules as DoRule[] | null | undefined) ?? [])];
  f.outbound = [...((body.outbound_rules as DoRule[] | null | undefined) ?? [])];
  return undefined;
}

const sameRule = (a: DoRule, b: DoRule) => JSON.stringify(a) === JSON.stringify(b);

/** `/v2/firewalls[/{id}[/droplets|tags|rules]]`. */
export async function firewalls(
  st: DoState,
  m: string,
  id: string | undefined,
  sub: string | undefined,
  body: Body,
  at: { base: string; path: string; query: URLSearchParams },
): Promise<SimResponse> {
  if (!id && m === "GET") {
    const all = [...st.firewalls.values()].map(firewallJson);
    return { status: 200, body: page(all, "firewalls", at.base, at.path, at.query) };
  }
  if (!id && m === "POST") {
    const f: SimFirewall = {
      id: randomUUID(),
      name: "",
      createdAt: st.timeline.now(),
      dropletIds: [],
      tags: [],
      inbound: [],
      outbound: [],
    };
    const bad = fill(f, body);
    if (bad) return bad;
    if (f.dropletIds.some((d) => !st.droplets.has(d))) return invalid("droplet not found");
    st.firewalls.set(f.id, f);
    await enforceFirewalls(st);
    return { status: 202, body: { firewall: firewallJson(f) } };
  }
  const f = id ? st.firewalls.get(id) : undefined;
  if (!f) return notFound();
  if (!sub && m === "GET") return { status: 200, body: { firewall: firewallJson(f) } };
  if (!sub && m === "DELETE") {
    st.firewalls.delete(f.id);
    await enforceFirewalls(st);
    return { status: 204 };
  }
  if (!sub && m === "PUT") {
    const next = { ...f };
    const bad = fill(next, body);
    if (bad) return bad;
    Object.assign(f, next);
    await enforceFirewalls(st);
    return { status: 200, body: { firewall: firewallJson(f) } };
  }
  const add = m === "POST";
  if (sub === "droplets" && (add || m === "DELETE")) {
    const ids = ((body.droplet_ids as number[] | undefined) ?? []).map(Number);
    if (add && ids.some((d) => !st.droplets.has(d))) return invalid("droplet not found");
    f.dropletIds = add
      ? [...new Set([...f.dropletIds, ...ids])]
      : f.dropletIds.filter((d) => !ids.includes(d));
  } else if (sub === "tags" && (add || m === "DELETE")) {
    const tags = (body.tags as string[] | null | undefined) ?? [];
    f.tags = add ? [...new Set([...f.tags, ...tags])] : f.tags.filter((t) => !tags.includes(t));
  } else if (sub === "rules" && (add || m === "DELETE")) {
    const bad =
      rulesProblem(body.inbound_rules, "sources") ?? rulesProblem(body.outbound_rules, "destinations");
    if (bad) return invalid(bad);
    const inbound = (body.inbound_rules as DoRule[] | undefined) ?? [];
    const outbound = (body.outbound_rules as DoRule[] | undefined) ?? [];
    if (add) {
      f.inbound.push(...inbound.filter((r) => !f.inbound.some((x) => sameRule(x, r))));
      f.outbound.push(...outbound.filter((r) => !f.outbound.some((x) => sameRule(x, r))));
    } else {
      f.inbound = f.inbound.filter((x) => !inbound.some((r) => sameRule(x, r)));
      f.outbound = f.outbound.filter((x) => !outbound.some((r) => sameRule(x, r)));
    }
  } else return notFound();
  await enforceFirewalls(st);
  return { status: 204 };
}

/** `GET /v2/droplets/{id}/firewalls`. */
export function dropletFirewalls(
  st: DoState,
  d: SimDroplet,
  at: { base: string; path: string; query: URLSearchParams },
): SimResponse {
  return {
    status: 200,
    body: page(firewallsOf(st, d).map(firewallJson), "firewalls", at.base, at.path, at.query),
  };
}
