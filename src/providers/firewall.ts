/**
 * The one shape of "only SSH reaches a spuff machine" on every cloud (DigitalOcean Cloud
 * Firewall, Hetzner Firewall, EC2 security group): one shared firewall per account (per region on
 * AWS), found by spuff's name/tag, created on first use with inbound TCP 22 (from
 * `ssh.allow_from`) and ICMP, outbound open, and reconciled on every `up`: rules someone edited
 * are put back and the difference is reported as a warning. Like ensureSshKey, concurrent first
 * `up`s race to create it and the losers adopt the winner's.
 *
 * `down` and `gc` never delete it: it costs nothing on any of the three clouds, other machines
 * (or an `up` in flight) rely on it, and the next `up` would only make it again.
 */
import type { Logger } from "../core/log.ts";
import { visible } from "../core/visible.ts";

/** One inbound rule, vendor-neutral. `ports` undefined: every port (ICMP has none). */
export interface InboundRule {
  protocol: "tcp" | "udp" | "icmp" | "all";
  ports?: { from: number; to: number };
  sources: string[];
}

/** What `status --detailed` shows: the firewall covering a machine and what it lets in. */
export interface FirewallView {
  id: string;
  name: string;
  inbound: InboundRule[];
}

/** Everywhere, both families: the SSH rule's sources when `ssh.allow_from` is not set. */
export const ANYWHERE = ["0.0.0.0/0", "::/0"];

/** spuff's name for its shared firewall (DigitalOcean's and Hetzner's; AWS keeps `spuff-ssh`). */
export const FIREWALL_NAME = "spuff-ssh";

/** The inbound rules spuff wants: SSH from `sshFrom`, ICMP (ping, path MTU) from anywhere. */
export function desiredInbound(sshFrom: readonly string[] = ANYWHERE): InboundRule[] {
  return [
    { protocol: "tcp", ports: { from: 22, to: 22 }, sources: [...sshFrom] },
    { protocol: "icmp", sources: [...ANYWHERE] },
  ];
}

/** A stable text for a rule set: order of rules and of sources does not matter. */
export function rulesKey(rules: readonly InboundRule[]): string {
  return rules
    .map(
      (r) =>
        `${r.protocol}:${r.ports ? `${r.ports.from}-${r.ports.to}` : "*"}:${[...r.sources].sort().join(",")}`,
    )
    .sort()
    .join(" ");
}

/** "tcp 22 from 0.0.0.0/0, ::/0; icmp from …" for messages and `status`. */
export function describeRules(rules: readonly InboundRule[]): string {
  if (rules.length === 0) return "nothing";
  return rules
    .map((r) => {
      const ports = r.ports
        ? r.ports.from === r.ports.to
          ? ` ${r.ports.from}`
          : ` ${r.ports.from}-${r.ports.to}`
        : "";
      return `${r.protocol}${ports} from ${r.sources.join(", ") || "nowhere"}`;
    })
    .join("; ");
}

/** How one provider finds, makes and repairs its firewall `F`. */
export interface FirewallStore<F> {
  find(): Promise<F | undefined>;
  /** Make it with the desired rules, applying to spuff's machines (a lost response is the HTTP layer's). */
  create(): Promise<F>;
  /** `create` failed because another `up` made it first (name taken). */
  isDuplicate(err: unknown): boolean;
  /** Its inbound rules, vendor-neutral. */
  inbound(f: F): InboundRule[];
  /** What else is off (not applied to spuff's tag/label, outbound closed); empty when nothing. */
  otherDrift?(f: F): string[];
  /** Put the desired rules (and coverage) back. */
  restore(f: F): Promise<void>;
  describe(f: F): { id: string; name: string };
}

/**
 * Finds or makes the firewall, then makes its rules the desired ones. Returns the drift found
 * (already restored), each item also logged as a warning.
 */
export async function ensureFirewall<F>(
  s: FirewallStore<F>,
  desired: readonly InboundRule[],
  log?: Logger,
): Promise<{ firewall: F; drift: string[] }> {
  let f = await s.find();
  if (f === undefined) {
    try {
      return { firewall: await s.create(), drift: [] };
    } catch (err) {
      if (!s.isDuplicate(err)) throw err;
      f = await s.find();
      if (f === undefined) throw err;
    }
  }
  const drift: string[] = [];
  const found = s.inbound(f);
  if (rulesKey(found) !== rulesKey(desired))
    drift.push(`inbound rules were ${describeRules(found)}; restored to ${describeRules(desired)}`);
  drift.push(...(s.otherDrift?.(f) ?? []));
  if (drift.length > 0) {
    await s.restore(f);
    const { id, name } = s.describe(f);
    // Names and sources come from the cloud API (anyone with console access may have typed them).
    for (const d of drift) log?.warn(`firewall ${visible(name)} (${visible(id)}) was edited: ${visible(d)}`);
  }
  return { firewall: f, drift };
}
