/**
 * Hetzner Cloud Firewalls (`/firewalls…` and their actions): applied to servers directly, by
 * label selector, or at server create (`firewalls: [{firewall}]`), and enforced on the servers'
 * simulated public addresses (public-ports.ts) after every change and once a server has booted.
 * Rules are Hetzner's allow-list: a server with a firewall takes only what an `in` rule allows.
 */
import { cidrContains } from "../../core/cidr.ts";
import { openPorts, parsePortRange } from "../public-ports.ts";
import type { SimResponse } from "../server.ts";
import { compileSelector } from "./labels.ts";
import { fail, invalidField, labelsProblem } from "./servers.ts";
import { actionJson, iso } from "./shapes.ts";
import type { HetznerState, SimServer } from "./state.ts";

export interface HRule {
  direction: "in" | "out";
  protocol: string;
  port?: string;
  source_ips?: string[];
  destination_ips?: string[];
  description?: string | null;
}

export type HResource =
  | { type: "server"; server: { id: number } }
  | { type: "label_selector"; label_selector: { selector: string } };

export interface SimFirewall {
  id: number;
  name: string;
  labels: Record<string, string>;
  createdAt: number;
  rules: HRule[];
  appliedTo: HResource[];
}

type Body = Record<string, unknown>;
type Lister = (items: { id: number }[], key: string, url: URL) => SimResponse;
const notFound = () => fail(404, "not_found", "resource not found");

function covers(r: HResource, s: SimServer): boolean {
  if (r.type === "server") return r.server.id === s.id;
  return compileSelector(r.label_selector.selector)?.(s.labels) ?? false;
}

export function firewallsOf(st: HetznerState, s: SimServer): SimFirewall[] {
  return [...st.firewalls.values()].filter((f) => f.appliedTo.some((r) => covers(r, s)));
}

export function firewallJson(st: HetznerState, f: SimFirewall) {
  return {
    id: f.id,
    name: f.name,
    labels: { ...f.labels },
    created: iso(f.createdAt),
    rules: f.rules.map((r) => ({
      direction: r.direction,
      protocol: r.protocol,
      port: r.port ?? null,
      source_ips: r.direction === "in" ? [...(r.source_ips ?? [])] : [],
      destination_ips: r.direction === "out" ? [...(r.destination_ips ?? [])] : [],
      ...(r.description !== undefined ? { description: r.description } : {}),
    })),
    applied_to: f.appliedTo.map((r) =>
      r.type === "server"
        ? { type: "server", server: { id: r.server.id } }
        : {
            type: "label_selector",
            label_selector: { selector: r.label_selector.selector },
            applied_to_resources: [...st.servers.values()]
              .filter((s) => covers(r, s))
              .map((s) => ({ type: "server", server: { id: s.id } })),
          },
    ),
  };
}

/** Applies the firewalls to the servers' public addresses (no firewall: every port open). */
export async function enforceFirewalls(st: HetznerState, only?: SimServer): Promise<void> {
  if (!st.backend.setOpenPorts) return;
  for (const s of only ? [only] : [...st.servers.values()]) {
    if (s.ip === null || s.deleting) continue;
    const fws = firewallsOf(st, s);
    const rules =
      fws.length === 0
        ? undefined
        : fws.flatMap((f) =>
            f.rules
              .filter((r) => r.direction === "in")
              .map((r) => ({
                protocol: r.protocol,
                ports: parsePortRange(r.port),
                sources: r.source_ips ?? [],
              })),
          );
    await st.backend.setOpenPorts(String(s.id), openPorts(rules));
  }
}

function rulesProblem(rules: unknown): SimResponse | undefined {
  for (const r of (rules as HRule[] | undefined) ?? []) {
    const tcpUdp = r.protocol === "tcp" || r.protocol === "udp";
    if (tcpUdp && !/^(any|\d{1,5}(-\d{1,5})?)$/.test(r.port ?? ""))
      return invalidField("rules", "port is required for tcp and udp rules");
    if (!tcpUdp && r.port !== undefined)
      return invalidField("rules", `port is not allowed for ${r.protocol}`);
    const ips = r.direction === "in" ? r.source_ips : r.destination_ips;
    if (!ips || ips.length === 0) return invalidField("rules", `${r.direction} rules need addresses`);
    for (const ip of ips)
      if (!cidrContains(ip, ip.split("/")[0] ?? "")) return invalidField("rules", `invalid address ${ip}`);
  }
  return undefined;
}

function resourcesProblem(st: HetznerState, list: unknown): SimResponse | undefined {
  for (const r of (list as HResource[] | undefined) ?? []) {
    if (r.type === "server" && !st.servers.has(r.server?.id))
      return fail(404, "firewall_resource_not_found", "server not found");
    if (r.type === "label_selector" && !compileSelector(r.label_selector?.selector ?? ""))
      return invalidField("label_selector", "unable to parse label selector");
  }
  return undefined;
}

const same = (a: HResource, b: HResource) => JSON.stringify(a) === JSON.stringify(b);

/** `firewalls: [{firewall: id}]` of a server create: unknown ids refuse the create. */
export function attachAtCreate(st: HetznerState, refs: unknown): { ok: number[] } | SimResponse {
  const ids = ((refs as { firewall: number }[] | undefined) ?? []).map((r) => Number(r.firewall));
  if (ids.some((id) => !st.firewalls.has(id))) return invalidField("firewalls", "firewall not found");
  return { ok: ids };
}

export async function firewalls(
  st: HetznerState,
  req: { m: string; id?: string; c?: string; d?: string; body: Body; url: URL },
  listed: Lister,
): Promise<SimResponse> {
  const { m, id, c, d, body, url } = req;
  if (id === "actions" && m === "GET") {
    const acts = [...st.actions.values()].filter((a) => a.resources.some((r) => r.type === "firewall"));
    if (c) {
      const a = acts.find((x) => x.id === Number(c));
      return a ? { status: 200, body: { action: actionJson(a) } } : notFound();
    }
    return listed(acts.map(actionJson), "actions", url);
  }
  if (!id && m === "GET")
    return listed(
      [...st.firewalls.values()].map((f) => firewallJson(st, f)),
      "firewalls",
      url,
    );
  if (!id && m === "POST") {
    const bad = labelsProblem(body.labels) ?? rulesProblem(body.rules) ?? resourcesProblem(st, body.apply_to);
    if (bad) return bad;
    if ([...st.firewalls.values()].some((f) => f.name === body.name))
      return fail(409, "uniqueness_error", "firewall name is already used", { fields: [{ name: "name" }] });
    const f: SimFirewall = {
      id: st.nextId(),
      name: String(body.name),
      labels: { ...((body.labels as Record<string, string> | undefined) ?? {}) },
      createdAt: st.timeline.now(),
      rules: [...((body.rules as HRule[] | undefined) ?? [])],
      appliedTo: [...((body.apply_to as HResource[] | undefined) ?? [])],
    };
    st.firewalls.set(f.id, f);
    await enforceFirewalls(st);
    const actions = f.appliedTo.length ? [action(st, f, "apply_firewall")] : [];
    return { status: 201, body: { firewall: firewallJson(st, f), actions: actions.map(actionJson) } };
  }
  const f = id ? st.firewalls.get(Number(id)) : undefined;
  if (!f) return notFound();
  if (!c && m === "GET") return { status: 200, body: { firewall: firewallJson(st, f) } };
  if (!c && m === "PUT") {
    const bad = labelsProblem(body.labels);
    if (bad) return bad;
    if (typeof body.name === "string") f.name = body.name;
    if (body.labels) f.labels = { ...(body.labels as Record<string, string>) };
    return { status: 200, body: { firewall: firewallJson(st, f) } };
  }
  if (!c && m === "DELETE") {
    if (f.appliedTo.length > 0) return fail(422, "resource_in_use", "firewall still applied to a resource");
    st.firewalls.delete(f.id);
    return { status: 204 };
  }
  if (c !== "actions") return notFound();
  if (m === "GET") {
    const acts = [...st.actions.values()].filter((a) => a.resources.some((r) => r.id === f.id));
    if (d) {
      const a = acts.find((x) => x.id === Number(d));
      return a ? { status: 200, body: { action: actionJson(a) } } : notFound();
    }
    return listed(acts.map(actionJson), "actions", url);
  }
  if (m !== "POST") return notFound();
  return firewallAction(st, f, d, body);
}

async function firewallAction(
  st: HetznerState,
  f: SimFirewall,
  d: string | undefined,
  body: Body,
): Promise<SimResponse> {
  let command: string;
  if (d === "set_rules") {
    const bad = rulesProblem(body.rules);
    if (bad) return bad;
    f.rules = [...(body.rules as HRule[])];
    command = "set_firewall_rules";
  } else if (d === "apply_to_resources") {
    const list = (body.apply_to as HResource[]) ?? [];
    const bad = resourcesProblem(st, list);
    if (bad) return bad;
    if (list.some((r) => f.appliedTo.some((x) => same(x, r))))
      return fail(422, "firewall_already_applied", "firewall is already applied to the resource");
    f.appliedTo.push(...list);
    command = "apply_firewall";
  } else if (d === "remove_from_resources") {
    const list = (body.remove_from as HResource[]) ?? [];
    if (list.some((r) => !f.appliedTo.some((x) => same(x, r))))
      return fail(404, "firewall_resource_not_found", "firewall is not applied to the resource");
    f.appliedTo = f.appliedTo.filter((x) => !list.some((r) => same(x, r)));
    command = "remove_firewall";
  } else return notFound();
  await enforceFirewalls(st);
  return { status: 201, body: { actions: [actionJson(action(st, f, command))] } };
}

/** Firewall changes take effect at once here; the action is done by the next request. */
function action(st: HetznerState, f: SimFirewall, command: string) {
  return st.startAction(command, [{ id: f.id, type: "firewall" }], { due: () => true });
}
