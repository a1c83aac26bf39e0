/**
 * Waiting for a booting VM. A TCP connect alone proves nothing (a NAT or port forward accepts
 * long before sshd runs), so readiness means "an SSH- banner was read", and login readiness
 * means "auth succeeded" (cloud-init creates the user after sshd starts).
 */
import net from "node:net";
import { type Clock, systemClock } from "../core/clock.ts";
import { TimeoutError, UserError } from "../core/errors.ts";
import { type ConnectOptions, connect } from "./connect.ts";
import type { Connection } from "./connection.ts";
import { HostKeyMismatchError, SshError } from "./errors.ts";

export interface WaitOptions {
  timeoutMs: number;
  clock?: Clock;
  /** Bound on one attempt (TCP connect + banner, or a full SSH handshake). */
  attemptTimeoutMs?: number;
  onAttempt?: (attempt: number, error: unknown) => void;
  /** Stop waiting (`up` interrupted): rejects with the signal's reason, no further attempts. */
  signal?: AbortSignal;
}

/** 500 ms between attempts for the first 5 s, then ×1.5 up to 2.5 s (style-anchors §7.7). */
export function backoffMs(elapsedMs: number, previousMs: number): number {
  if (elapsedMs < 5000) return 500;
  return Math.min(2500, Math.max(500, previousMs) * 1.5);
}

/** Race `work` against a clock-driven deadline; `onTimeout` cleans up the loser. */
async function within<T>(work: Promise<T>, ms: number, clock: Clock, onTimeout: () => void): Promise<T> {
  const abort = new AbortController();
  const timer = clock.sleep(ms, abort.signal).then(
    () => "timeout" as const,
    () => "aborted" as const,
  );
  try {
    const r = await Promise.race([work, timer]);
    if (r === "timeout") {
      onTimeout();
      throw new SshError("ssh_attempt_timeout", `attempt timed out after ${ms} ms`);
    }
    return r as T;
  } finally {
    abort.abort();
  }
}

/** One probe: connect and read up to 1 KiB looking for an "SSH-" identification line. */
function probeBanner(host: string, port: number, clock: Clock, ms: number): Promise<void> {
  const sock = net.connect({ host, port });
  const work = new Promise<void>((resolve, reject) => {
    let buf = "";
    sock.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      // RFC 4253 §4.2: the server may send other lines before the version line.
      if (/(^|\n)SSH-/.test(buf)) resolve();
      else if (buf.length > 1024) reject(new SshError("ssh_no_banner", "not an SSH server"));
    });
    sock.on("error", reject);
    sock.on("close", () => reject(new SshError("ssh_no_banner", "closed before sending an SSH banner")));
  });
  return within(work, ms, clock, () => undefined).finally(() => sock.destroy());
}

async function retry<T>(
  what: string,
  opts: WaitOptions,
  attempt: (clock: Clock, attemptMs: number) => Promise<T>,
  fatal: (err: unknown) => boolean,
): Promise<T> {
  const clock = opts.clock ?? systemClock;
  const start = clock.now();
  let delay = 0;
  for (let n = 1; ; n++) {
    opts.signal?.throwIfAborted();
    const left = opts.timeoutMs - (clock.now() - start);
    try {
      return await attempt(clock, Math.max(1, Math.min(opts.attemptTimeoutMs ?? 10_000, left)));
    } catch (err) {
      if (fatal(err)) throw err;
      opts.onAttempt?.(n, err);
      delay = backoffMs(clock.now() - start, delay);
      if (clock.now() - start + delay >= opts.timeoutMs) {
        throw new TimeoutError(what, clock.now() - start, { cause: err });
      }
      await clock.sleep(delay, opts.signal);
    }
  }
}

export function waitForPort(host: string, port: number, opts: WaitOptions): Promise<void> {
  return retry(
    `waiting for SSH on ${host}:${port}`,
    opts,
    (clock, ms) => probeBanner(host, port, clock, ms),
    () => false,
  );
}

/**
 * Retry a full login until it succeeds. Host key mismatches and local key problems are final:
 * retrying cannot fix them, and a mismatch must never be waited out.
 */
export function waitForLogin(connectOpts: ConnectOptions, opts: WaitOptions): Promise<Connection> {
  return retry(
    `waiting for SSH login as ${connectOpts.user}@${connectOpts.host}`,
    opts,
    (clock, ms) => {
      const abort = new AbortController();
      // ssh2's own readyTimeout is a backstop; the clock decides when an attempt is over.
      const p = connect({ ...connectOpts, readyTimeoutMs: ms + 1000, signal: abort.signal });
      return within(p, ms, clock, () => abort.abort());
    },
    (err) => err instanceof HostKeyMismatchError || err instanceof UserError,
  );
}
