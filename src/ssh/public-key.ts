/**
 * OpenSSH public key lines (`type base64 [comment]`, as in a .pub file), parsed strictly: the line
 * ends up in cloud-config (authorized_keys) and in provider API calls, so anything that is not
 * plainly a key is refused rather than passed on. The comment is printable ASCII only: a Unicode
 * line separator in it once became a top-level cloud-config key for cloud-init's YAML parser.
 */
import { UserError } from "../core/errors.ts";

export const PUBLIC_KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
] as const;
export type PublicKeyType = (typeof PUBLIC_KEY_TYPES)[number];

export interface PublicKey {
  type: PublicKeyType;
  /** The key blob (SSH wire format), decoded from the base64 field. */
  blob: Buffer;
  /** Printable ASCII, possibly empty. */
  comment: string;
  /** The canonical line: `type base64[ comment]`, no trailing newline. */
  line: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** The reason `text` is not one OpenSSH public key line, or the parsed key. */
export function parsePublicKeyLine(text: string): PublicKey | string {
  // One line; the .pub file's final newline (LF or CRLF) is fine.
  const body = text.replace(/\r?\n$/, "");
  if (!PRINTABLE_ASCII.test(body))
    return "it must be one line of printable ASCII (no tabs, line breaks or Unicode)";
  const m = /^(\S+) (\S+)(?: +(.*))?$/.exec(body.trim());
  if (!m) return "expected `type base64-key [comment]`";
  const [, type, b64, rawComment] = m as unknown as [string, string, string, string | undefined];
  if (!(PUBLIC_KEY_TYPES as readonly string[]).includes(type))
    return `unknown key type ${JSON.stringify(type)}`;
  const blob = Buffer.from(b64, "base64");
  // Canonical base64 only: Buffer.from skips junk silently, so require an exact round trip.
  if (!BASE64.test(b64) || blob.toString("base64") !== b64) return "the key body is not valid base64";
  const nameLength = blob.length >= 4 ? blob.readUInt32BE(0) : Number.POSITIVE_INFINITY;
  if (4 + nameLength > blob.length) return "the key body is not an SSH key blob";
  if (blob.subarray(4, 4 + nameLength).toString("latin1") !== type)
    return `the key body is not a ${type} key (its blob names another type)`;
  const comment = rawComment?.trim() ?? "";
  return {
    type: type as PublicKeyType,
    blob,
    comment,
    line: comment ? `${type} ${b64} ${comment}` : `${type} ${b64}`,
  };
}

/** Parses the public key read from `file`, or throws a UserError naming the file. */
export function parsePublicKeyFile(text: string, file: string): PublicKey {
  const key = parsePublicKeyLine(text);
  if (typeof key !== "string") return key;
  throw new UserError("ssh_key_invalid", `${file} is not an OpenSSH public key: ${key}`, {
    hint: `Regenerate it from the private key: ssh-keygen -y -f ${file.replace(/\.pub$/, "")} > ${file}`,
  });
}
