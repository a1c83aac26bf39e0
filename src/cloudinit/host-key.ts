/**
 * Generates the VM's SSH host key on the CLI side, so the CLI can pin it in known_hosts before
 * the first connection (no trust-on-first-use). Node's crypto exports ed25519 only as PKCS#8/JWK,
 * and sshd wants the "openssh-key-v1" container, so that format is assembled here.
 * Format: https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.key
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";

export interface HostKeyPair {
  /** "-----BEGIN OPENSSH PRIVATE KEY-----" PEM-like text, unencrypted, ending in "\n". */
  privateKey: string;
  /** "ssh-ed25519 AAAA… comment", one line, no trailing newline. */
  publicKey: string;
}

const KEY_TYPE = "ssh-ed25519";

/** SSH wire "string": uint32 big-endian length, then the bytes. */
function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** The public key blob: string "ssh-ed25519", string pub(32). */
function publicBlob(pub: Buffer): Buffer {
  return Buffer.concat([sshString(KEY_TYPE), sshString(pub)]);
}

/** Generate a new ed25519 pair; `checkint` is only injectable so tests can pin the output. */
export function generateHostKey(
  comment = "spuff-host",
  checkint = randomBytes(4).readUInt32BE(),
): HostKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const seed = Buffer.from(jwk.d ?? "", "base64url");
  const pub = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  const blob = publicBlob(pub);

  // Private section: two equal checkints (a wrong passphrase would make them differ), the key,
  // the comment, then padding bytes 1,2,3… to the cipher block size (8 for "none").
  let priv = Buffer.concat([
    uint32(checkint),
    uint32(checkint),
    sshString(KEY_TYPE),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])), // OpenSSH stores the 64-byte seed||pub form
    sshString(comment),
  ]);
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);

  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0", "latin1"),
    sshString("none"), // cipher
    sshString("none"), // kdf
    sshString(Buffer.alloc(0)), // kdf options
    uint32(1), // number of keys
    sshString(blob),
    sshString(priv),
  ]);
  const lines = body.toString("base64").match(/.{1,70}/g) ?? [];
  return {
    privateKey: [
      "-----BEGIN OPENSSH PRIVATE KEY-----",
      ...lines,
      "-----END OPENSSH PRIVATE KEY-----",
      "",
    ].join("\n"),
    publicKey: `${KEY_TYPE} ${blob.toString("base64")} ${comment}`,
  };
}

/** True when the private key's container carries the public key's blob (a mismatched pair is a bug). */
export function hostKeyPairMatches(pair: HostKeyPair): boolean {
  const body = pair.privateKey.replace(/-----(BEGIN|END) OPENSSH PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  const blob = Buffer.from(pair.publicKey.trim().split(/\s+/)[1] ?? "", "base64");
  return blob.length > 0 && Buffer.from(body, "base64").includes(blob);
}
