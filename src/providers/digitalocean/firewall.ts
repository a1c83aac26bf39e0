/**
 * spuff's DigitalOcean Cloud Firewall: applies to the `spuff` tag, so it exists before any droplet
 * and covers each one from its create on (a droplet is created with the tag). Wire shapes follow
 * `/v2/firewalls` in the spec; the shared logic is providers/firewall.ts.
 */
import { ProviderError } from "../errors.ts";
import {
  ANYWHERE,
  desiredInbound,
  FIREWALL_NAME,
  type FirewallStore,
  type FirewallView,
  type InboundRule,
} from "../firewall.ts";
import type { HttpClient } from "../http.ts";
import type { DigitalOceanClient } from "./client.ts";
import { SPUFF_TAG } from "./map.ts";

interface DoEndpoints {
  addresses?: string[];
  droplet_ids?: number[];
  tags?: string[] | null;
  load_balancer_uids?: string[];
  kubernetes_ids?: string[];
}
interface DoRule {
  protocol: string;
  ports: string;
  sources?: DoEndpoints;
  destinations?: DoEndpoints;
}
export interface DoFirewall {
  id: string;
  name: string;
  droplet_ids: number[] | null;
  tags: string[] | null;
  inbound_rules: DoRule[] | null;
  outbound_rules: DoRule[] | null;
}

const ALL_PORTS = new Set(["all", "0", "1-65535"]);

function toRule(r: DoRule): InboundRule {
  const protocol = r.protocol === "tcp" || r.protocol === "udp" || r.protocol === "icmp" ? r.protocol : "all";
  const m = /^(\d+)(?:-(\d+))?$/.exec(r.ports ?? "");
  const ports =
    protocol === "icmp" || ALL_PORTS.has(r.ports) || !m
      ? undefined
      : { from: Number(m[1]), to: Number(m[2] ?? m[1]) };
  const s = r.sources ?? {};
  // Other kinds of source are shown too, so a rule widened to a tag or droplet counts as drift.
  const sources = [
    ...(s.addresses ?? []),
    ...(s.tags ?? []).map((t) => `tag:${t}`),
    ...(s.droplet_ids ?? []).map((d) => `droplet:${d}`),
    ...(s.load_balancer_uids ?? []).map((l) => `load-balancer:${l}`),
    ...(s.kubernetes_ids ?? []).map((k) => `kubernetes:${k}`),
  ];
  return { protocol, ...(ports ? { ports } : {}), sources };
}

function fromRule(r: InboundRule): DoRule {
  const ports = r.ports
    ? r.ports.from === r.ports.to
      ? `${r.ports.from}`
      : `${r.ports.from}-${r.ports.to}`
    : "0";
  return { protocol: r.protocol, ports, sources: { addresses: [...r.sources] } };
}

const OUTBOUND_OPEN: DoRule[] = ["tcp", "udp", "icmp"].map((protocol) => ({
  protocol,
  ports: "0",
  destinations: { addresses: [...ANYWHERE] },
}));

function outboundOpen(f: DoFirewall): boolean {
  return ["tcp", "udp", "icmp"].every((p) =>
    (f.outbound_rules ?? []).some(
      (r) =>
        r.protocol === p &&
        (p === "icmp" || ALL_PORTS.has(r.ports)) &&
        ANYWHERE.every((a) => r.destinations?.addresses?.includes(a)),
    ),
  );
}

export const toFirewallView = (f: DoFirewall): FirewallView => ({
  id: f.id,
  name: f.name,
  inbound: (f.inbound_rules ?? []).map(toRule),
});

export function doFirewallStore(
  http: HttpClient,
  api: DigitalOceanClient,
  sshFrom: readonly string[],
): FirewallStore<DoFirewall> {
  const desired = desiredInbound(sshFrom);
  const body = (f?: DoFirewall) => ({
    name: FIREWALL_NAME,
    tags: [...new Set([...(f?.tags ?? []), SPUFF_TAG])],
    droplet_ids: f?.droplet_ids ?? [],
    inbound_rules: desired.map(fromRule),
    outbound_rules: OUTBOUND_OPEN,
  });
  const find = async () =>
    (await api.paginate<DoFirewall>("/v2/firewalls", "firewalls")).find((f) => f.name === FIREWALL_NAME);
  return {
    find,
    async create() {
      const res = await http.request<{ firewall: DoFirewall }>("POST", "/v2/firewalls", {
        body: body(),
        idempotent: false,
        recover: async () => {
          const f = await find();
          return f ? { firewall: f } : undefined;
        },
      });
      return res.body.firewall;
    },
    // DigitalOcean does not make firewall names unique: a concurrent first `up` may add a second
    // spuff-ssh with the same rules, which is harmless; later `up`s reconcile the first found.
    isDuplicate: () => false,
    inbound: (f) => (f.inbound_rules ?? []).map(toRule),
    otherDrift: (f) => [
      ...((f.tags ?? []).includes(SPUFF_TAG)
        ? []
        : [`it no longer applied to tag ${SPUFF_TAG}; applied again`]),
      ...(outboundOpen(f) ? [] : ["outbound rules were narrowed; opened again"]),
    ],
    async restore(f) {
      await http.request("PUT", `/v2/firewalls/${encodeURIComponent(f.id)}`, { body: body(f) });
    },
    describe: (f) => ({ id: f.id, name: f.name }),
  };
}

/** The firewalls covering one droplet (by its id or a tag). */
export async function dropletFirewalls(api: DigitalOceanClient, dropletId: string): Promise<FirewallView[]> {
  try {
    const all = await api.paginate<DoFirewall>(
      `/v2/droplets/${encodeURIComponent(dropletId)}/firewalls`,
      "firewalls",
    );
    return all.map(toFirewallView);
  } catch (err) {
    if (err instanceof ProviderError && err.kind === "not_found") return [];
    throw err;
  }
}
