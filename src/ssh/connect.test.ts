import { appendFileSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentFixture,
  generateKeyPair,
  keyFingerprint,
  type SshdFixture,
  sshdConnectOptions,
  startSshAgent,
  startSshd,
} from "../../test/helpers/sshd.ts";
import { UserError } from "../core/errors.ts";
import { connect } from "./connect.ts";
import { HostKeyMismatchError, SshAuthError } from "./errors.ts";
import { exec } from "./exec.ts";
import { fingerprint, parsePinnedHostKey } from "./host-key-verifier.ts";
import { shell } from "./shell.ts";

let sshd: SshdFixture;
let agent: AgentFixture;
let otherHostKey: string;
let strangerKey: string;
let lockedKey: string;

beforeAll(async () => {
  [sshd, agent] = await Promise.all([startSshd(), startSshAgent()]);
  otherHostKey = generateKeyPair(path.join(sshd.dir, "other_host"));
  strangerKey = path.join(sshd.dir, "stranger");
  generateKeyPair(strangerKey);
  lockedKey = path.join(sshd.dir, "locked");
  const lockedPub = generateKeyPair(lockedKey, "correct horse");
  // The passphrase-protected key is authorized too: it must work once it is in the agent.
  appendFileSync(path.join(sshd.dir, "authorized_keys"), `${lockedPub}\n`);
});
afterAll(async () => {
  await agent?.stop();
  await sshd?.stop();
});

describe("connect", () => {
  it("logs in with the pinned host key", async () => {
    const conn = await connect(sshdConnectOptions(sshd));
    expect((await exec(conn, "echo ok", { timeoutMs: 10_000 })).stdout).toBe("ok\n");
    await conn.close();
    expect(conn.isOpen).toBe(false);
  });

  it("refuses a server whose host key differs from the pin, before any auth", async () => {
    const trace: string[] = [];
    const before = sshd.log().length;
    const err = await connect({
      ...sshdConnectOptions(sshd),
      pinnedHostKey: otherHostKey,
      debug: (l) => trace.push(l),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    const e = err as HostKeyMismatchError;
    expect(e.exitCode).toBe(9);
    expect(e.message).toContain(`expected ${parsePinnedHostKey(otherHostKey).fingerprint}`);
    expect(e.message).toContain(`presented ${parsePinnedHostKey(sshd.hostPublicKey).fingerprint}`);
    expect(fingerprint(parsePinnedHostKey(sshd.hostPublicKey).blob)).toBe(
      keyFingerprint(path.join(sshd.dir, "host_ed25519.pub")),
    );
    // Client side: no USERAUTH request was ever sent. Server side: no key was even looked at.
    expect(trace.some((l) => /USERAUTH/.test(l))).toBe(false);
    expect(trace.some((l) => /KEXDH|KEXECDH|kex/i.test(l))).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    const serverLog = sshd.log().slice(before);
    expect(serverLog).toMatch(/Connection from/);
    expect(serverLog).not.toMatch(/Accepted|Failed|Postponed|publickey|Starting session/);
  });

  it("reports an unauthorized key as an auth failure", async () => {
    const err = await connect({ ...sshdConnectOptions(sshd), privateKeyPath: strangerKey }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SshAuthError);
    expect((err as SshAuthError).message).toMatch(
      /authentication failed for root@127\.77\..*tried: publickey/,
    );
  });

  it("refuses a passphrase-protected key without an agent, without prompting", async () => {
    const trace: string[] = [];
    const err = await connect({
      ...sshdConnectOptions(sshd),
      privateKeyPath: lockedKey,
      debug: (l) => trace.push(l),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(
      `SSH key requires a passphrase. Run 'ssh-add ${lockedKey}' first.`,
    );
  });

  it("uses the agent for a passphrase-protected key; under auto only sessions that need it get it", async () => {
    agent.add(lockedKey, "correct horse");
    const conn = await connect({
      ...sshdConnectOptions(sshd),
      privateKeyPath: lockedKey,
      agentSocket: agent.socket,
      forwardAgent: "auto",
    });
    const SOCK = 'echo "sock=$(printenv SSH_AUTH_SOCK || echo none)"';
    try {
      // exec/status/logs/agent calls: no agent on the VM.
      expect((await exec(conn, SOCK, { timeoutMs: 10_000 })).stdout).toBe("sock=none\n");
      // A spuff.yaml clone/hook session asks for it and can use the user's key.
      const r = await exec(conn, "ssh-add -l", { timeoutMs: 10_000, forwardAgent: true });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain(keyFingerprint(`${lockedKey}.pub`));
      // sshd keeps the socket (and SSH_AUTH_SOCK) for the rest of the connection, but once that
      // session closed the agent no longer answers a later plain session.
      const later = await exec(conn, "ssh-add -l", { timeoutMs: 10_000 });
      expect(later.exitCode).not.toBe(0);
      expect(later.stdout).not.toContain(keyFingerprint(`${lockedKey}.pub`));
    } finally {
      await conn.close();
    }
  });

  it("interactive shell forwards under auto; never forwards nothing; always forwards every session", async () => {
    const SOCK = 'echo "sock=$(printenv SSH_AUTH_SOCK || echo none)"';
    const interactive = async (policy: "auto" | "never") => {
      const conn = await connect({
        ...sshdConnectOptions(sshd),
        agentSocket: agent.socket,
        forwardAgent: policy,
      });
      try {
        const stdin = Object.assign(new PassThrough(), { isTTY: false });
        const stdout = new PassThrough();
        let text = "";
        stdout.on("data", (d: Buffer) => (text += d.toString("utf8")));
        const done = shell(conn, { stdin, stdout, stderr: new PassThrough() });
        stdin.end(`${SOCK.replace("sock=", "S-O-C-K=")}; exit 0\n`);
        await done;
        return text;
      } finally {
        await conn.close();
      }
    };
    expect(await interactive("auto")).toMatch(/S-O-C-K=\/\S+/);
    expect(await interactive("never")).toContain("S-O-C-K=none");
    const never = await connect({
      ...sshdConnectOptions(sshd),
      agentSocket: agent.socket,
      forwardAgent: "never",
    });
    try {
      const r = await exec(never, SOCK, { timeoutMs: 10_000, forwardAgent: true });
      expect(r.stdout).toBe("sock=none\n");
    } finally {
      await never.close();
    }
    const always = await connect({
      ...sshdConnectOptions(sshd),
      agentSocket: agent.socket,
      forwardAgent: "always",
    });
    try {
      expect((await exec(always, SOCK, { timeoutMs: 10_000 })).stdout).toMatch(/^sock=\/\S+\n$/);
    } finally {
      await always.close();
    }
  });
});
