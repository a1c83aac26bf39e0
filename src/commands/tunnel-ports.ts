/**
 * `tunnel --auto`'s decisions, pure: which of the ports the agent reports to forward, where on the
 * VM to connect for each, and what changed since the last poll. The agent's answer crosses from
 * the VM, so anything malformed is skipped and the number of forwards is capped.
 */
import net from "node:net";
import { parsePortSpecs } from "./port-spec.ts";
import type { ForwardSource } from "./tunnel-events.ts";

/** One row of the agent's GET /ports, as it arrives (unchecked). */
export interface ReportedPort {
  port: unknown;
  address: unknown;
  pid: unknown;
  command: unknown;
}

export interface WantedPort {
  remote: number;
  /** Where sshd on the VM connects: a loopback for wildcard binds, else the bound address. */
  remoteHost: string;
  pid: number;
  command: string;
}

/** More auto forwards than this is a runaway (or hostile) VM, not an app being developed. */
export const MAX_AUTO_FORWARDS = 64;

/**
 * The VM-side address to reach a listener bound to `address`: wildcards through their loopback
 * (IPv4 first: a dual-stack "::" socket takes 127.0.0.1 too), anything specific as bound.
 */
export function remoteHostFor(address: string): string | undefined {
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (net.isIPv4(v4)) return v4 === "0.0.0.0" ? "127.0.0.1" : v4;
  if (net.isIPv6(address)) return address === "::" ? "::1" : address;
  return undefined;
}

/** Loopback and IPv4 first: the address a port is best reached on, when it is bound several times. */
const rank = (host: string) => (host.startsWith("127.") ? 0 : net.isIPv4(host) ? 1 : host === "::1" ? 2 : 3);

/** The reported ports worth forwarding, one per port number, checked and capped. */
export function wantedPorts(reported: unknown, exclude: ReadonlySet<number>): WantedPort[] {
  const rows = Array.isArray(reported) ? (reported as ReportedPort[]) : [];
  const byPort = new Map<number, WantedPort>();
  for (const r of rows) {
    const port = r?.port;
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65_535) continue;
    if (exclude.has(port) || typeof r.address !== "string") continue;
    const remoteHost = remoteHostFor(r.address);
    if (remoteHost === undefined) continue;
    const pid = typeof r.pid === "number" && Number.isInteger(r.pid) ? r.pid : 0;
    const command = typeof r.command === "string" ? r.command.slice(0, 64) : "";
    const seen = byPort.get(port);
    if (seen && rank(seen.remoteHost) <= rank(remoteHost)) continue;
    byPort.set(port, { remote: port, remoteHost, pid, command });
  }
  return [...byPort.values()].sort((a, b) => a.remote - b.remote);
}

export interface PortChanges {
  add: WantedPort[];
  drop: number[];
  /** Wanted but over the cap: how many were left out. */
  skipped: number;
}

/** What to open and close so the auto forwards match `wanted` (those already open stay as they are). */
export function diffPorts(current: ReadonlySet<number>, wanted: readonly WantedPort[]): PortChanges {
  const want = new Set(wanted.map((w) => w.remote));
  const drop = [...current].filter((p) => !want.has(p)).sort((a, b) => a - b);
  const room = MAX_AUTO_FORWARDS - (current.size - drop.length);
  const fresh = wanted.filter((w) => !current.has(w.remote));
  return { add: fresh.slice(0, Math.max(0, room)), drop, skipped: Math.max(0, fresh.length - room) };
}

/** A forward that stays for the whole tunnel: from -p, or a spuff.yaml port. */
export interface FixedPort {
  localPort: number;
  remotePort: number;
  source: ForwardSource;
}

/** With --auto, -p and spuff.yaml ports are both kept (a project port already given by -p once). */
export function autoFixedPorts(flags: readonly string[], projectPorts: readonly number[]): FixedPort[] {
  const given = flags.length ? parsePortSpecs(flags) : [];
  const remotes = new Set(given.map((p) => p.remotePort));
  const locals = new Set(given.map((p) => p.localPort));
  return [
    ...given.map((p) => ({ ...p, source: "flag" as const })),
    ...projectPorts
      .filter((p) => !remotes.has(p) && !locals.has(p))
      .map((p) => ({ localPort: p, remotePort: p, source: "project" as const })),
  ];
}
