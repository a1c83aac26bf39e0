/** EC2's key fingerprints, checked against OpenSSH and OpenSSL computing the same digests. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { awsFingerprint, parseOpenSshKey } from "./fingerprint.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-fp-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function keygen(type: string): string {
  const file = path.join(dir, `${type}-${++n}`);
  execFileSync("ssh-keygen", [
    "-q",
    "-t",
    type,
    ...(type === "rsa" ? ["-b", "2048"] : []),
    "-N",
    "",
    "-f",
    file,
  ]);
  return `${file}.pub`;
}

describe("EC2 key fingerprints", () => {
  it("ED25519: base64 SHA-256 of the key blob, as `ssh-keygen -l -E sha256` prints it (plus padding)", () => {
    const pub = keygen("ed25519");
    const openssh = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", pub], { encoding: "utf8" });
    const digest = /SHA256:([A-Za-z0-9+/]+)/.exec(openssh)?.[1];
    const key = parseOpenSshKey(fs.readFileSync(pub, "utf8"));
    expect(key?.type).toBe("ed25519");
    expect(key && awsFingerprint(key)).toBe(`${digest}=`);
  });

  it("RSA: colon-hex MD5 of the DER public key, as `openssl pkey -pubin -outform DER | openssl md5 -c`", () => {
    const pub = keygen("rsa");
    const pem = execFileSync("ssh-keygen", ["-e", "-m", "pkcs8", "-f", pub]);
    const der = execFileSync("openssl", ["pkey", "-pubin", "-outform", "DER"], { input: pem });
    const md5 = execFileSync("openssl", ["md5", "-c"], { input: der, encoding: "utf8" });
    const key = parseOpenSshKey(fs.readFileSync(pub, "utf8"));
    expect(key?.type).toBe("rsa");
    expect(key && awsFingerprint(key)).toBe(/([0-9a-f]{2}(:[0-9a-f]{2}){15})/.exec(md5)?.[1]);
  });

  it("refuses what EC2 cannot import: other key types, a blob of another type, garbage", () => {
    const ecdsa = fs.readFileSync(keygen("ecdsa"), "utf8");
    expect(parseOpenSshKey(ecdsa)).toBeUndefined();
    const ed = fs.readFileSync(keygen("ed25519"), "utf8").split(" ");
    expect(parseOpenSshKey(`ssh-rsa ${ed[1]}`)).toBeUndefined();
    expect(parseOpenSshKey("ssh-ed25519 AAAA")).toBeUndefined();
    expect(parseOpenSshKey("")).toBeUndefined();
  });
});
