/**
 * Host key rotation after the first pinned login. The host key spuff generated travels in
 * user-data, and DigitalOcean's and Hetzner's metadata services hand user-data to any process on
 * the VM: whoever reads it could pose as the machine. So, over the pinned connection, the VM makes
 * a new key (its private half never leaves the VM), spuff pins it, sshd switches to it and the old
 * key is overwritten. Afterwards the key in user-data matches nothing sshd offers.
 *
 * The order keeps every interruption safe: the record's accepted keys (state `host_key`, one per
 * line; known_hosts follows it) are the old key, then old + new while sshd switches, then only the
 * new one once a fresh login proved sshd offers it. sshd serves one of the accepted keys at every
 * step, and every accepted key was pinned by spuff (generated locally, or read over a pinned
 * connection), never learnt from whatever the server shows.
 */
import { shellQuote } from "../cloudinit/shell-quote.ts";
import { UserError } from "../core/errors.ts";
import type { Connection } from "../ssh/connection.ts";
import { exec } from "../ssh/exec.ts";
import { parsePinnedHostKey, parsePinnedHostKeys } from "../ssh/host-key-verifier.ts";

export type RotationStep = "generated" | "both_pinned" | "installed" | "verified";

export interface RotationTarget {
  /** The host key file sshd reads (Debian's default HostKey for ed25519). */
  keyPath: string;
  /** Makes sshd read its host keys again, leaving open sessions alone. */
  reloadCommand: string;
  /** Prefix that runs a command as root ("sudo -n " on a VM, "" where spuff is root already). */
  asRoot: string;
}

export const VM_TARGET: RotationTarget = {
  keyPath: "/etc/ssh/ssh_host_ed25519_key",
  // try-: a socket-activated sshd (no running ssh.service) reads the key per connection anyway.
  reloadCommand:
    "{ systemctl try-reload-or-restart ssh.service 2>/dev/null || systemctl try-reload-or-restart sshd.service; }",
  asRoot: "sudo -n ",
};

export interface RotateOptions {
  conn: Connection;
  /** The keys the record accepts now (one per line). */
  accepted: string;
  /** Persist the accepted keys (state, then known_hosts follows it). */
  saveAccepted(keys: string): void;
  /** A fresh login that accepts only `key`: throws when sshd does not offer it. */
  loginWith(key: string): Promise<void>;
  timeoutMs: number;
  target?: RotationTarget;
  /** Called after each step; tests throw here to interrupt the rotation. */
  afterStep?(step: RotationStep): void;
}

const COMMENT = "spuff-host";

/** Rotate and return the only key accepted afterwards. */
export async function rotateHostKey(o: RotateOptions): Promise<string> {
  const t = o.target ?? VM_TARGET;
  const next = `${t.keyPath}.spuff-next`;
  const q = shellQuote;
  const root = (cmd: string) => `${t.asRoot}sh -c ${q(cmd)}`;

  // 1. A new key on the VM, beside the one sshd uses. Its public half is read over the pinned
  // connection and checked as hostile input: one ed25519 key, the comment replaced by ours.
  const out = await run(
    o,
    root(
      `set -e; umask 077; rm -f ${q(next)} ${q(`${next}.pub`)}; ` +
        `ssh-keygen -q -t ed25519 -N '' -C ${COMMENT} -f ${q(next)} </dev/null >/dev/null; cat ${q(`${next}.pub`)}`,
    ),
  );
  const newKey = normalise(out);
  o.afterStep?.("generated");

  // 2. Accept both while sshd switches: whichever one it offers, spuff still reaches the machine.
  const old = parsePinnedHostKeys(o.accepted).map((k) => `${k.type} ${k.blob.toString("base64")} ${COMMENT}`);
  o.saveAccepted([...old.filter((k) => k !== newKey), newKey].join("\n"));
  o.afterStep?.("both_pinned");

  // 3. The new key replaces the old file (rename: sshd never reads a half-written key), then sshd
  // reloads. The old private key is gone from disk with the rename.
  await run(
    o,
    root(
      `set -e; mv -f ${q(`${next}.pub`)} ${q(`${t.keyPath}.pub`)}; mv -f ${q(next)} ${q(t.keyPath)}; ${t.reloadCommand}`,
    ),
  );
  o.afterStep?.("installed");

  // 4. Proof from the outside that sshd offers the new key; only then is the old one dropped.
  await o.loginWith(newKey);
  o.afterStep?.("verified");
  o.saveAccepted(newKey);
  return newKey;
}

function normalise(out: string): string {
  const lines = out.split("\n").filter((l) => l.trim() !== "");
  const key = lines.length === 1 ? safeParse(lines[0] as string) : undefined;
  if (key?.type !== "ssh-ed25519") {
    throw new UserError("host_key_rotation_failed", "The VM did not return one ed25519 host key.", {
      hint: "The machine keeps its first host key; see `journalctl -u ssh` on the VM.",
    });
  }
  return `${key.type} ${key.blob.toString("base64")} ${COMMENT}`;
}

function safeParse(line: string) {
  try {
    return parsePinnedHostKey(line);
  } catch {
    return undefined;
  }
}

async function run(o: RotateOptions, command: string): Promise<string> {
  const r = await exec(o.conn, command, { timeoutMs: o.timeoutMs });
  if (r.exitCode !== 0) {
    throw new UserError(
      "host_key_rotation_failed",
      `Host key rotation failed (exit ${r.exitCode}): ${r.stderr.trim().slice(0, 500)}`,
      { hint: "The machine keeps the host key it had; see `journalctl -u ssh` on the VM." },
    );
  }
  return r.stdout;
}

/**
 * A login that accepts only `key`, retried (bounded) because sshd re-executes itself on reload:
 * for a moment it refuses connections, or a connection accepted just before still sees the old key.
 */
export async function loginUntilOffered(
  login: (key: string) => Promise<{ close(): Promise<void> | void }>,
  key: string,
  timeoutMs: number,
  attempts = 40,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < attempts && Date.now() < deadline; i++) {
    try {
      const c = await login(key);
      await c.close();
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new UserError(
    "host_key_rotation_failed",
    `sshd does not offer the new host key: ${last instanceof Error ? last.message : String(last)}`,
    { hint: "spuff accepts both the old and the new key for this machine until a rotation completes." },
  );
}
