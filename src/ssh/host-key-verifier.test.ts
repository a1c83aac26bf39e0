import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateKeyPair, keyFingerprint } from "../../test/helpers/sshd.ts";
import { UserError } from "../core/errors.ts";
import { HostKeyMismatchError } from "./errors.ts";
import { createHostKeyVerifier, parsePinnedHostKey } from "./host-key-verifier.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "spuff-hkv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("host key pinning", () => {
  const a = generateKeyPair(path.join(dir, "a"));
  const b = generateKeyPair(path.join(dir, "b"));

  it("computes the same SHA256 fingerprint as ssh-keygen", () => {
    expect(parsePinnedHostKey(a).fingerprint).toBe(keyFingerprint(path.join(dir, "a.pub")));
    expect(parsePinnedHostKey(a).type).toBe("ssh-ed25519");
  });

  it("accepts exactly the pinned blob and reports a mismatch with both fingerprints", () => {
    const pinned = parsePinnedHostKey(a);
    const v = createHostKeyVerifier("10.0.0.5:22", pinned);
    expect(v.verify(pinned.blob)).toBe(true);
    expect(v.mismatch).toBeUndefined();
    const other = parsePinnedHostKey(b);
    expect(v.verify(other.blob)).toBe(false);
    expect(v.mismatch).toBeInstanceOf(HostKeyMismatchError);
    expect(v.mismatch?.exitCode).toBe(9);
    expect(v.mismatch?.message).toContain(`expected ${pinned.fingerprint}`);
    expect(v.mismatch?.message).toContain(`presented ${other.fingerprint}`);
  });

  it("rejects lines that are not public keys, or whose type disagrees with the blob", () => {
    expect(() => parsePinnedHostKey("not a key")).toThrow(UserError);
    expect(() => parsePinnedHostKey(a.replace("ssh-ed25519", "ssh-rsa"))).toThrow(
      /Not a valid SSH public key/,
    );
  });
});
