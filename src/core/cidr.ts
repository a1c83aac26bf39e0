/**
 * CIDR blocks, IPv4 and IPv6: parsed strictly (a value from the config file or a cloud API) and
 * tested for membership. Used by `ssh.allow_from`, the providers' firewall rules and the
 * simulators' public addresses.
 */
import net from "node:net";

export interface Cidr {
  family: 4 | 6;
  /** Network address as a number (host bits cleared). */
  network: bigint;
  bits: number;
  /** Canonical text, e.g. "203.0.113.0/24". */
  text: string;
}

/** Parses "a.b.c.d/n", "x::y/n" or a bare address (a /32 or /128); undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr = "", bitsText, extra] = text.split("/");
  if (extra !== undefined) return undefined;
  const family = net.isIPv4(addr) ? 4 : net.isIPv6(addr) ? 6 : 0;
  if (family === 0) return undefined;
  const width = family === 4 ? 32 : 128;
  if (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (bits > width) return undefined;
  const value = toBig(addr, family);
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  const network = value & mask;
  return { family, network, bits, text: `${fromBig(network, family)}/${bits}` };
}

/** True when `address` (v4 or v6) lies in `cidr`; false for a malformed value of either. */
export function cidrContains(cidr: string | Cidr, address: string): boolean {
  const c = typeof cidr === "string" ? parseCidr(cidr) : cidr;
  const family = net.isIPv4(address) ? 4 : net.isIPv6(address) ? 6 : 0;
  if (!c || family !== c.family) return false;
  const width = family === 4 ? 32 : 128;
  const shift = BigInt(width - c.bits);
  return toBig(address, family) >> shift === c.network >> shift;
}

function toBig(addr: string, family: 4 | 6): bigint {
  if (family === 4) return addr.split(".").reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
  // Expand "::" and a trailing dotted quad, then read eight 16-bit groups.
  let s = addr;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (quad?.[1]) {
    const v = toBig(quad[1], 4);
    s = `${s.slice(0, -quad[1].length)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head = "", tail] = s.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

function fromBig(v: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join(".");
  const groups = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}
