/**
 * spuff's Hetzner Firewall: applied by the label selector `spuff=true` (every spuff server
 * carries the label), and also passed in each server create (`firewalls`), so a new server is
 * covered from boot. Wire shapes follow `/firewalls` in the spec; the shared logic is
 * providers/firewall.ts. No `out` rule means outbound is open (Hetzner's default).
 */
import { ProviderError } from "../errors.ts";
import {
  desiredInbound,
  FIREWALL_NAME,
  type FirewallStore,
  type FirewallView,
  type InboundRule,
} from "../firewall.ts";
import type { HttpClient } from "../http.ts";
import type { HetznerClient } from "./client.ts";
import { SPUFF_LABEL } from "./map.ts";

interface HzRule {
  direction: "in" | "out";
  protocol: string;
  port?: string | null;
  source_ips?: string[];
  destination_ips?: string[];
}
type HzResource =
  | { type: "server"; server: { id: number } }
  | { type: "label_selector"; label_selector: { selector: string } };
export interface HzFirewall {
  id: number;
  name: string;
  rules: HzRule[];
  applied_to: HzResource[];
}

export const SELECTOR = `${SPUFF_LABEL}=true`;
const BY_LABEL: HzResource = { type: "label_selector", label_selector: { selector: SELECTOR } };

function toRule(r: HzRule): InboundRule {
  const protocol = r.protocol === "tcp" || r.protocol === "udp" || r.protocol === "icmp" ? r.protocol : "all";
  const m = /^(\d+)(?:-(\d+))?$/.exec(r.port ?? "");
  return {
    protocol,
    ...(m ? { ports: { from: Number(m[1]), to: Number(m[2] ?? m[1]) } } : {}),
    sources: r.source_ips ?? [],
  };
}

function fromRule(r: InboundRule): HzRule {
  const port = r.ports
    ? r.ports.from === r.ports.to
      ? `${r.ports.from}`
      : `${r.ports.from}-${r.ports.to}`
    : undefined;
  return { direction: "in", protocol: r.protocol, ...(port ? { port } : {}), source_ips: [...r.sources] };
}

export const toFirewallView = (f: HzFirewall): FirewallView => ({
  id: String(f.id),
  name: f.name,
  inbound: f.rules.filter((r) => r.direction === "in").map(toRule),
});

const byLabel = (f: HzFirewall) =>
  f.applied_to.some((r) => r.type === "label_selector" && r.label_selector.selector === SELECTOR);

export function hzFirewallStore(
  http: HttpClient,
  api: HetznerClient,
  sshFrom: readonly string[],
): FirewallStore<HzFirewall> {
  const rules = desiredInbound(sshFrom).map(fromRule);
  const find = async () =>
    (await api.paginate<HzFirewall>("/firewalls", "firewalls", { name: FIREWALL_NAME })).find(
      (f) => f.name === FIREWALL_NAME,
    );
  return {
    find,
    async create() {
      const res = await http.request<{ firewall: HzFirewall }>("POST", "/firewalls", {
        body: { name: FIREWALL_NAME, labels: { [SPUFF_LABEL]: "true" }, rules, apply_to: [BY_LABEL] },
        idempotent: false,
        recover: async () => {
          const f = await find();
          return f ? { firewall: f } : undefined;
        },
      });
      return res.body.firewall;
    },
    // Names are unique per project: a concurrent first `up` made it, adopt theirs.
    isDuplicate: (err) => err instanceof ProviderError && err.status === 409,
    inbound: (f) => f.rules.filter((r) => r.direction === "in").map(toRule),
    otherDrift: (f) => [
      ...(byLabel(f) ? [] : [`it no longer applied to label selector ${SELECTOR}; applied again`]),
      ...(f.rules.some((r) => r.direction === "out")
        ? ["outbound rules were added (they close all other outbound traffic); removed"]
        : []),
    ],
    async restore(f) {
      const id = encodeURIComponent(String(f.id));
      await http.request("POST", `/firewalls/${id}/actions/set_rules`, { body: { rules } });
      if (!byLabel(f)) {
        await http.request("POST", `/firewalls/${id}/actions/apply_to_resources`, {
          body: { apply_to: [BY_LABEL] },
        });
      }
    },
    describe: (f) => ({ id: String(f.id), name: f.name }),
  };
}

/** The firewalls covering one server (its public_net lists their ids). */
export async function serverFirewalls(
  http: HttpClient,
  api: HetznerClient,
  serverId: string,
): Promise<FirewallView[]> {
  const s = (await api.getServer(serverId)) as { public_net: { firewalls?: { id: number }[] } } | undefined;
  const out: FirewallView[] = [];
  for (const { id } of s?.public_net.firewalls ?? []) {
    try {
      const res = await http.request<{ firewall: HzFirewall }>("GET", `/firewalls/${id}`);
      out.push(toFirewallView(res.body.firewall));
    } catch (err) {
      if (!(err instanceof ProviderError && err.kind === "not_found")) throw err;
    }
  }
  return out;
}
