/**
 * `ssh.allow_from` against the address this machine reaches the internet from: an `up` whose SSH
 * the provider firewall would refuse stops before anything is created. The address is learned
 * from a what-is-my-address service (plain text reply), $SPUFF_CHECKIP_URL overriding the default
 * (the simulators serve one on loopback that answers the caller's loopback source address).
 */
import net from "node:net";
import { cidrContains } from "../core/cidr.ts";
import { ConfigError, UserError } from "../core/errors.ts";

export const DEFAULT_CHECKIP_URL = "https://checkip.amazonaws.com/";
const TIMEOUT_MS = 5000;

export interface AddressSource {
  url: string;
  fetch: typeof globalThis.fetch;
}

export function addressSource(env: NodeJS.ProcessEnv, fetchImpl = globalThis.fetch): AddressSource {
  return { url: env.SPUFF_CHECKIP_URL || DEFAULT_CHECKIP_URL, fetch: fetchImpl };
}

/** This machine's public address as the service sees it; a clear error when it cannot tell. */
export async function currentAddress(src: AddressSource): Promise<string> {
  const fail = (why: string) =>
    new UserError(
      "address_unknown",
      `Could not learn this machine's public address from ${src.url}: ${why}.`,
      {
        hint: "ssh.allow_from needs it to check that SSH will be let in. Retry, point $SPUFF_CHECKIP_URL at another service, or unset ssh.allow_from.",
      },
    );
  let text: string;
  try {
    const res = await src.fetch(src.url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: "error" });
    if (!res.ok) throw fail(`HTTP ${res.status}`);
    text = (await res.text()).slice(0, 100).trim();
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw fail(err instanceof Error ? err.message : String(err));
  }
  if (!net.isIP(text)) throw fail(`the answer is not an address (${JSON.stringify(text.slice(0, 40))})`);
  return text;
}

/** Refuses an `up` whose SSH would be blocked: the current address is in no allowed block. */
export function assertSshAllowed(allowFrom: readonly string[], address: string): void {
  if (allowFrom.some((c) => cidrContains(c, address))) return;
  throw new ConfigError(
    "ssh_not_allowed",
    `This machine's address ${address} is outside ssh.allow_from (${allowFrom.join(", ")}): the firewall would refuse its SSH.`,
    {
      hint: `Add it, e.g. \`spuff config set ssh.allow_from ${[...allowFrom, address.includes(":") ? `${address}/128` : `${address}/32`].join(",")}\`, or connect from an allowed network.`,
      details: { address, allow_from: allowFrom },
    },
  );
}
