/**
 * Host key rotation against a real OpenSSH sshd: the rotation completes (the first key is refused
 * afterwards, the new one is the only one accepted), and an interruption after any step leaves
 * accepted keys that (a) still log in and (b) were all pinned by spuff. Re-running completes it.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type SshdFixture, sshdConnectOptions, startSshd } from "../../test/helpers/sshd.ts";
import { connect } from "../ssh/connect.ts";
import type { Connection } from "../ssh/connection.ts";
import { HostKeyMismatchError } from "../ssh/errors.ts";
import { parsePinnedHostKey } from "../ssh/host-key-verifier.ts";
import { waitForLogin } from "../ssh/wait.ts";
import { loginUntilOffered, type RotationStep, rotateHostKey } from "./host-key-rotate.ts";

const blob = (k: string) => parsePinnedHostKey(k).blob.toString("base64");
const blobs = (keys: string) =>
  keys
    .split("\n")
    .filter(Boolean)
    .map((k) => blob(k));

interface Ctx {
  sshd: SshdFixture;
  conn: Connection;
  accepted: string;
}

const open: Ctx[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) {
    await c.conn.close();
    await c.sshd.stop();
  }
});

async function setup(): Promise<Ctx> {
  const sshd = await startSshd();
  const conn = await connect(sshdConnectOptions(sshd));
  const ctx = { sshd, conn, accepted: sshd.hostPublicKey };
  open.push(ctx);
  return ctx;
}

const loginWith = (s: SshdFixture, key: string) =>
  loginUntilOffered((k) => connect({ ...sshdConnectOptions(s), pinnedHostKey: k }), key, 10_000);

function rotate(ctx: Ctx, interruptAfter?: RotationStep) {
  const { sshd } = ctx;
  return rotateHostKey({
    conn: ctx.conn,
    accepted: ctx.accepted,
    saveAccepted: (k) => {
      ctx.accepted = k;
    },
    loginWith: (k) => loginWith(sshd, k),
    timeoutMs: 15_000,
    target: {
      keyPath: path.join(sshd.dir, "host_ed25519"),
      reloadCommand: `kill -HUP "$(cat ${path.join(sshd.dir, "sshd.pid")})"`,
      asRoot: "",
    },
    afterStep: (step) => {
      if (step === interruptAfter) throw new Error(`interrupted after ${step}`);
    },
  });
}

/** Fresh login accepting only the given keys (a refused port while sshd re-executes is retried). */
async function loginAccepting(s: SshdFixture, keys: string): Promise<void> {
  const c = await waitForLogin({ ...sshdConnectOptions(s), pinnedHostKey: keys }, { timeoutMs: 10_000 });
  await c.close();
}

describe("rotateHostKey against a real sshd", () => {
  it("replaces the first key: sshd no longer offers it, only the new key is accepted", async () => {
    const ctx = await setup();
    const first = ctx.sshd.hostPublicKey;
    const next = await rotate(ctx);
    expect(ctx.accepted).toBe(next);
    expect(blob(next)).not.toBe(blob(first));
    // The old key is gone from disk, and a client pinned to it is refused.
    expect(fs.readFileSync(path.join(ctx.sshd.dir, "host_ed25519.pub"), "utf8")).toContain(blob(next));
    await expect(loginAccepting(ctx.sshd, first)).rejects.toBeInstanceOf(HostKeyMismatchError);
    await loginAccepting(ctx.sshd, ctx.accepted);
    // The connection the rotation ran over stays usable (sshd reloads, sessions remain).
    expect(ctx.conn.client).toBeDefined();
    expect(fs.readdirSync(ctx.sshd.dir).filter((f) => f.includes("spuff-next"))).toEqual([]);
  }, 60_000);

  for (const step of ["generated", "both_pinned", "installed", "verified"] as const) {
    it(`interrupted after ${step}: still reachable, only pinned keys accepted, a re-run completes`, async () => {
      const ctx = await setup();
      const first = ctx.sshd.hostPublicKey;
      await expect(rotate(ctx, step)).rejects.toThrow(`interrupted after ${step}`);
      const accepted = blobs(ctx.accepted);
      expect(accepted.length).toBeGreaterThanOrEqual(1);
      expect(accepted.length).toBeLessThanOrEqual(2);
      expect(accepted[0]).toBe(blob(first));
      // Whatever sshd serves now is among the accepted keys.
      await loginAccepting(ctx.sshd, ctx.accepted);
      // Every accepted key is the first one or the one the rotation generated (its .pub on disk).
      const onDisk = fs
        .readdirSync(ctx.sshd.dir)
        .filter((f) => f.endsWith(".pub"))
        .map((f) => fs.readFileSync(path.join(ctx.sshd.dir, f), "utf8"))
        .filter((k) => k.startsWith("ssh-ed25519"))
        .map(blob);
      for (const k of accepted) expect([blob(first), ...onDisk]).toContain(k);

      const next = await rotate(ctx);
      expect(ctx.accepted).toBe(next);
      await loginAccepting(ctx.sshd, next);
      await expect(loginAccepting(ctx.sshd, first)).rejects.toBeInstanceOf(HostKeyMismatchError);
    }, 60_000);
  }

  it("refuses what a hostile VM returns instead of one ed25519 key, and keeps the old key", async () => {
    const ctx = await setup();
    for (const reply of [
      "",
      "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ x",
      `${ctx.sshd.hostPublicKey}\n${ctx.sshd.hostPublicKey}`,
      "ssh-ed25519 not-base64\nProxyCommand evil",
    ]) {
      const before = ctx.accepted;
      const replyFile = path.join(ctx.sshd.dir, "reply");
      fs.writeFileSync(replyFile, reply);
      await expect(
        rotateHostKey({
          conn: ctx.conn,
          accepted: before,
          saveAccepted: (k) => {
            ctx.accepted = k;
          },
          loginWith: async () => {},
          timeoutMs: 10_000,
          // A "VM" that answers the key request with the reply.
          target: {
            keyPath: path.join(ctx.sshd.dir, "fake_key"),
            reloadCommand: "true",
            asRoot: `cat ${replyFile}; exit 0; `,
          },
        }),
      ).rejects.toThrow("did not return one ed25519 host key");
      expect(ctx.accepted).toBe(before);
    }
  }, 60_000);
});
