/** Loading the user's private key, with the one error message people actually need. */
import { readFileSync } from "node:fs";
import ssh2, { type ParsedKey } from "ssh2";
import { UserError } from "../core/errors.ts";

export type LoadedKey = { kind: "key"; key: ParsedKey } | { kind: "encrypted" };

/** Read and parse a private key. An encrypted key is reported, not prompted for: we never ask for passphrases. */
export function loadPrivateKey(keyPath: string): LoadedKey {
  let data: Buffer;
  try {
    data = readFileSync(keyPath);
  } catch (err) {
    throw new UserError("ssh_key_unreadable", `Cannot read SSH private key ${JSON.stringify(keyPath)}`, {
      cause: err,
      hint: "Set ssh_key_path in the config to an existing private key.",
    });
  }
  const parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) {
    if (/passphrase/i.test(parsed.message)) return { kind: "encrypted" };
    throw new UserError("ssh_key_invalid", `Not a usable SSH private key: ${keyPath} (${parsed.message})`);
  }
  // OpenSSH's format may hold several keys; it only ever stores one in practice.
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) throw new UserError("ssh_key_invalid", `No key found in ${keyPath}`);
  return { kind: "key", key };
}

export function passphraseError(keyPath: string): UserError {
  return new UserError(
    "ssh_key_passphrase",
    `SSH key requires a passphrase. Run 'ssh-add ${keyPath}' first.`,
    { hint: "spuff never prompts for passphrases; it uses your ssh-agent (SSH_AUTH_SOCK)." },
  );
}
