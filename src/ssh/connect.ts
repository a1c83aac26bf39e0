/**
 * Open one pinned, key-authenticated SSH connection. No prompts: host keys are pinned (never
 * TOFU), keys come from a file or the agent, and every failure is a typed error.
 */
import ssh2, { type AuthenticationType, type AuthMethod, type ConnectConfig } from "ssh2";
import type { ForwardAgent } from "../config/schema.ts";
import { TimeoutError, UserError } from "../core/errors.ts";
import { Connection, GatedAgent } from "./connection.ts";
import { SshAuthError, SshError } from "./errors.ts";
import { createHostKeyVerifier, parsePinnedHostKeys } from "./host-key-verifier.ts";
import { loadPrivateKey, passphraseError } from "./private-key.ts";

export interface ConnectOptions {
  host: string;
  port?: number;
  user: string;
  privateKeyPath?: string;
  /** ssh-agent socket (usually $SSH_AUTH_SOCK): used for auth and, if enabled, forwarded. */
  agentSocket?: string;
  /** The VM's host key line, "ssh-ed25519 AAAA..." (several lines: any of them, during a rotation). */
  pinnedHostKey: string;
  /**
   * Agent forwarding policy for this connection's sessions (default never): forwarding is asked
   * per session (connection.agentFor), never for the whole connection.
   */
  forwardAgent?: ForwardAgent;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** Abandon the attempt: the socket is destroyed and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** ssh2 protocol trace, for -vv. */
  debug?: (line: string) => void;
}

// RSA host keys are negotiated under their signature algorithm names, not the key type.
const HOST_KEY_ALGOS: Record<string, string[]> = {
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
};

function authMethods(opts: ConnectOptions): AuthMethod[] {
  const methods: AuthMethod[] = [];
  if (opts.privateKeyPath) {
    const loaded = loadPrivateKey(opts.privateKeyPath);
    if (loaded.kind === "key") {
      methods.push({ type: "publickey", username: opts.user, key: loaded.key } as AuthMethod);
    } else if (!opts.agentSocket) {
      throw passphraseError(opts.privateKeyPath);
    }
  }
  if (opts.agentSocket)
    methods.push({ type: "agent", username: opts.user, agent: opts.agentSocket } as AuthMethod);
  if (methods.length === 0) {
    throw new UserError("ssh_no_key", "No SSH key available: set ssh_key_path or start an ssh-agent.");
  }
  return methods;
}

export async function connect(opts: ConnectOptions): Promise<Connection> {
  const port = opts.port ?? 22;
  const target = { host: opts.host, port, user: opts.user };
  const pinnedKeys = parsePinnedHostKeys(opts.pinnedHostKey);
  const verifier = createHostKeyVerifier(`${opts.host}:${port}`, pinnedKeys);
  const methods = authMethods(opts);
  const tried: AuthenticationType[] = [];
  const readyTimeout = opts.readyTimeoutMs ?? 20_000;
  // Open while authenticating; once ready, the Connection decides.
  let gate = () => true;
  const config: ConnectConfig = {
    host: opts.host,
    port,
    username: opts.user,
    readyTimeout,
    keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: 3,
    // Only negotiate the pinned key's algorithm, so a server with several host keys shows the pinned one.
    algorithms: {
      serverHostKey: [...new Set(pinnedKeys.flatMap((k) => HOST_KEY_ALGOS[k.type] ?? [k.type]))] as never,
    },
    hostVerifier: (key: Buffer) => verifier.verify(key),
    authHandler: (_left, _partial, next) => {
      const m = methods[tried.length];
      if (!m) return next(false as never);
      tried.push(m.type);
      next(m as never);
    },
    // The agent for auth, then gated: forwarding is requested per session (agentForward on
    // exec/shell) and the agent answers the VM only while such a session is open.
    ...(opts.agentSocket ? { agent: new GatedAgent(opts.agentSocket, () => gate()) } : {}),
    ...(opts.debug ? { debug: opts.debug } : {}),
  };

  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      client.destroy();
      reject(err);
    };
    const onAbort = () =>
      fail(opts.signal?.reason ?? new SshError("ssh_aborted", "Connection attempt abandoned"));
    client.once("ready", () => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener("abort", onAbort);
      client.removeAllListeners("error");
      const conn = new Connection(client, target, opts.forwardAgent ?? "never", Boolean(opts.agentSocket));
      gate = () => conn.agentOpen();
      resolve(conn);
    });
    client.on("error", (err: Error & { level?: string; code?: string }) => {
      if (verifier.mismatch) return fail(verifier.mismatch);
      if (err.level === "client-authentication") {
        return fail(
          new SshAuthError(opts.user, opts.host, tried, {
            cause: err,
            hint: "Check that ssh_key_path (or your agent) holds the key this machine was created with.",
          }),
        );
      }
      if (err.level === "client-timeout") {
        return fail(
          new TimeoutError(`SSH handshake with ${opts.host}:${port}`, readyTimeout, { cause: err }),
        );
      }
      const detail = err.code ? `${err.code}` : err.message;
      fail(
        new SshError("ssh_connect_failed", `Could not connect to ${opts.host}:${port}: ${detail}`, {
          cause: err,
          details: { errno: err.code ?? null },
        }),
      );
    });
    client.once("close", () =>
      fail(verifier.mismatch ?? new SshError("ssh_closed", "Connection closed during handshake")),
    );
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    client.once("close", () => opts.signal?.removeEventListener("abort", onAbort));
    client.connect(config);
  });
}
