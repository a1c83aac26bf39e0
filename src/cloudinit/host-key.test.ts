import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parsePinnedHostKey } from "../ssh/host-key-verifier.ts";
import { generateHostKey } from "./host-key.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-hostkey-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeKey(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

describe("generateHostKey", () => {
  it("produces a private key that ssh-keygen reads back to the same public key", () => {
    const pair = generateHostKey("spuff-test");
    expect(pair.privateKey.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n")).toBe(true);
    expect(pair.privateKey.endsWith("-----END OPENSSH PRIVATE KEY-----\n")).toBe(true);
    expect(pair.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA[A-Za-z0-9+/]+=* spuff-test$/);
    const file = writeKey("k1", pair.privateKey);
    const derived = execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim();
    // ssh-keygen -y appends the comment stored in the private section.
    expect(derived).toBe(pair.publicKey);
  });

  it("computes the same fingerprint as ssh-keygen -l -E sha256", () => {
    for (let i = 0; i < 3; i++) {
      const pair = generateHostKey(`c${i}`);
      const file = writeKey(`k${i}.pub`, `${pair.publicKey}\n`);
      const out = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", file], { encoding: "utf8" });
      // "256 SHA256:xxxx c0 (ED25519)"
      expect(out.split(" ")[1]).toBe(parsePinnedHostKey(pair.publicKey).fingerprint);
      expect(out).toContain("(ED25519)");
    }
  });

  it("pads the private section with 1,2,3… so every comment length works", () => {
    for (const comment of ["", "a", "abcdefg", "x".repeat(33)]) {
      const pair = generateHostKey(comment);
      const file = writeKey("pad", pair.privateKey);
      execFileSync("ssh-keygen", ["-l", "-f", file], { encoding: "utf8" });
    }
  });

  it("a corrupted key is rejected by ssh-keygen (the check can fail)", () => {
    const pair = generateHostKey("x");
    const broken = pair.privateKey.replace(/\n([A-Za-z0-9+/]{10})/, "\nAAAAAAAAAA");
    const file = writeKey("bad", broken);
    expect(() => execFileSync("ssh-keygen", ["-y", "-f", file], { stdio: "pipe" })).toThrow();
  });
});
