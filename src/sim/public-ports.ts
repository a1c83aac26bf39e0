/**
 * The simulated public address of a machine: which of the ports a service commonly listens on
 * reach the guest from the host. Without a firewall every one of them does (as on a real cloud,
 * where a droplet or server without a firewall answers on anything it listens on); with one,
 * only the ports an inbound TCP rule allows. The host plays "the internet" here, so a rule is
 * evaluated for a caller at the host's loopback address (slirp4netns port forwards cannot tell
 * callers apart; a rule narrowed to sources outside loopback refuses everyone).
 */
import { cidrContains } from "../core/cidr.ts";

/** SSH, HTTP(S), a dev server, PostgreSQL and the usual web ports: what the e2e tests probe. */
export const PUBLIC_PORTS: readonly number[] = [22, 80, 443, 3000, 5432, 8000, 8080];

/** The caller every rule is evaluated for. */
export const HOST_CALLER = "127.0.0.1";

/** One inbound rule in vendor-neutral form. `ports` undefined means every port. */
export interface InboundRule {
  protocol: string;
  ports?: { from: number; to: number };
  /** CIDRs (v4 or v6); a rule applies to the caller when one contains it. */
  sources: string[];
}

/** The ports open on a machine under `rules` (undefined: no firewall covers it). */
export function openPorts(rules: readonly InboundRule[] | undefined): number[] {
  if (rules === undefined) return [...PUBLIC_PORTS];
  return PUBLIC_PORTS.filter((port) =>
    rules.some(
      (r) =>
        (r.protocol === "tcp" || r.protocol === "-1" || r.protocol === "all") &&
        (r.ports === undefined || (port >= r.ports.from && port <= r.ports.to)) &&
        r.sources.some((s) => cidrContains(s, HOST_CALLER)),
    ),
  );
}

/** "22", "8000-8080", "all"/"0"/"" (DigitalOcean and Hetzner spellings) → a range or every port. */
export function parsePortRange(ports: string | null | undefined): { from: number; to: number } | undefined {
  if (ports === null || ports === undefined || ports === "" || ports === "all" || ports === "0")
    return undefined;
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(ports);
  if (!m) return { from: 0, to: -1 }; // matches nothing
  const from = Number(m[1]);
  return { from, to: m[2] === undefined ? from : Number(m[2]) };
}
