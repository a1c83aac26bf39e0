/**
 * The fingerprint EC2 reports for an imported key pair, per the KeyPairInfo documentation:
 * ED25519 → base64 SHA-256 of the key blob (OpenSSH's default digest, padded as EC2 prints it);
 * RSA → colon-hex MD5 of the DER public key (what `openssl pkey -pubin -outform DER | openssl
 * md5 -c` gives). EC2 imports no other key types.
 */
import { createHash, createPublicKey } from "node:crypto";

export type AwsKeyType = "rsa" | "ed25519";

export interface ParsedKey {
  type: AwsKeyType;
  blob: Buffer;
}

/** undefined when the line is not an OpenSSH `ssh-rsa`/`ssh-ed25519` public key. */
export function parseOpenSshKey(line: string): ParsedKey | undefined {
  const [algo, b64] = line.trim().split(/\s+/);
  const type = algo === "ssh-ed25519" ? "ed25519" : algo === "ssh-rsa" ? "rsa" : undefined;
  if (!type || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  const blob = Buffer.from(b64, "base64");
  const fields = sshStrings(blob);
  if (!fields || fields[0]?.toString("latin1") !== algo) return undefined;
  if (type === "ed25519" && (fields.length !== 2 || fields[1]?.length !== 32)) return undefined;
  if (type === "rsa" && fields.length !== 3) return undefined;
  return { type, blob };
}

export function awsFingerprint(key: ParsedKey): string {
  if (key.type === "ed25519") return createHash("sha256").update(key.blob).digest("base64");
  const [, e, n] = sshStrings(key.blob) ?? [];
  const jwk = { kty: "RSA", e: unsigned(e).toString("base64url"), n: unsigned(n).toString("base64url") };
  const der = createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "der" });
  return colonHex(createHash("md5").update(der).digest());
}

/** SSH wire strings (uint32 length + bytes) until the blob ends; undefined if malformed. */
function sshStrings(blob: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  for (let at = 0; at < blob.length; ) {
    if (at + 4 > blob.length) return undefined;
    const len = blob.readUInt32BE(at);
    if (at + 4 + len > blob.length) return undefined;
    out.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

/** An SSH mpint without the sign byte JWK does not want. */
const unsigned = (b: Buffer | undefined): Buffer => {
  const x = b ?? Buffer.alloc(0);
  return x[0] === 0 ? x.subarray(1) : x;
};

const colonHex = (b: Buffer) => b.toString("hex").match(/../g)?.join(":") ?? "";
