/**
 * `status --detailed`: the provider firewalls covering the machine and what they let in from the
 * internet. No firewall on a cloud machine is said plainly: every port it listens on is open.
 */
import { visible } from "../core/visible.ts";
import { describeRules, type FirewallView } from "../providers/firewall.ts";

export function firewallRows(views: readonly FirewallView[]): [string, string][] {
  if (views.length === 0)
    return [["Firewall", "none: every port the machine listens on is open to the internet"]];
  // Names and sources are read from the cloud API: shown escaped, never as terminal controls.
  return views.map((v, i) => [
    i === 0 ? "Firewall" : "",
    visible(`${v.name} (${v.id}): in ${describeRules(v.inbound)}`),
  ]);
}

export function firewallJson(views: readonly FirewallView[]) {
  return views.map((v) => ({
    id: v.id,
    name: v.name,
    inbound: v.inbound.map((r) => ({
      protocol: r.protocol,
      ports: r.ports
        ? r.ports.from === r.ports.to
          ? `${r.ports.from}`
          : `${r.ports.from}-${r.ports.to}`
        : "all",
      sources: r.sources,
    })),
  }));
}
