/**
 * Where a token may be sent: https anywhere, plain http only to loopback (the simulators in tests).
 * A reaper token can delete servers: on plain http anyone on the path could read it. Node
 * built-ins only (this file is part of spuff-agent and also used by the CLI).
 *
 * Loopback includes 10.0.2.2, which is the host's 127.0.0.1 as a slirp4netns guest sees it (the
 * simulators' nspawn machines reach their API that way; src/machines/slirp.ts). It is accepted
 * only because the API address is never taken from the VM or a project file: it comes from
 * SPUFF_AGENT_API_URL in the user's own environment, or the provider's https default.
 */
import net from "node:net";

const SLIRP_HOST_LOOPBACK = "10.0.2.2";

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  if (net.isIPv4(h)) return h.startsWith("127.") || h === SLIRP_HOST_LOOPBACK;
  if (net.isIPv6(h)) return h === "::1" || /^::ffff:127\./.test(h);
  return false;
}

/** True when a token may be sent to `url`. */
export function tokenUrlAllowed(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === "https:" || (u.protocol === "http:" && isLoopbackHost(u.hostname));
}
