/** Run one remote command on an open connection and collect its output. */
import type { ClientChannel } from "ssh2";
import { type Clock, systemClock } from "../core/clock.ts";
import { TimeoutError } from "../core/errors.ts";
import { type Connection, sessionOptions } from "./connection.ts";
import { SshError } from "./errors.ts";

export interface ExecOptions {
  timeoutMs: number;
  /** Written to the command's stdin, which is then closed. */
  stdin?: string | Buffer;
  clock?: Clock;
  /** This session needs the user's agent (spuff.yaml clones and hooks); forward_agent decides. */
  forwardAgent?: boolean;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** null when the server sent no exit status (killed by a signal, or the connection dropped). */
  exitCode: number | null;
  signal: string | null;
}

interface Collector {
  out: Buffer[];
  err: Buffer[];
  exit: { code: number | null; signal: string | null };
  finished: Promise<void>;
}

/**
 * Listeners go on inside ssh2's callback, synchronously: ssh2 parses a whole socket read in one
 * go, so a short command's exit-status can arrive in the same chunk as the exec reply and is
 * emitted before an `await` after the callback would resume. Attached later, `exit` was missed
 * (about 1 run in 20 of `true` on a local machine came back with no exit code).
 */
function openExec(
  conn: Connection,
  command: string,
  needsAgent: boolean,
): Promise<{ channel: ClientChannel; c: Collector }> {
  return new Promise((resolve, reject) => {
    const forward = conn.agentFor(needsAgent);
    const release = forward ? conn.holdAgent() : () => {};
    conn.client.exec(command, sessionOptions(forward), (err, channel) => {
      if (err) release();
      else channel.once("close", release);
      if (err)
        return reject(
          new SshError("ssh_exec_failed", `Could not start remote command: ${err.message}`, { cause: err }),
        );
      const c: Collector = {
        out: [],
        err: [],
        exit: { code: null, signal: null },
        finished: new Promise<void>((done) => channel.once("close", () => done())),
      };
      channel.on("data", (d: Buffer) => c.out.push(d));
      channel.stderr.on("data", (d: Buffer) => c.err.push(d));
      channel.on("exit", (code: number | null, sig?: string) => {
        c.exit = { code: typeof code === "number" ? code : null, signal: sig ?? null };
      });
      resolve({ channel, c });
    });
  });
}

/**
 * Ask sshd to kill the command (OpenSSH ≥ 8.1 honours "signal" requests); closing the channel
 * alone leaves it running. ssh2's channel.signal() refuses once stdin got EOF, which we always
 * send, so we go one level down to the protocol object when it has the expected shape.
 */
function killRemote(channel: ClientChannel): void {
  const inner = channel as unknown as {
    outgoing?: { id?: number; state?: string };
    _client?: { _protocol?: { signal?: (id: number, sig: string) => void } };
  };
  const proto = inner._client?._protocol;
  const id = inner.outgoing?.id;
  if (typeof proto?.signal === "function" && typeof id === "number" && inner.outgoing?.state !== "closed") {
    proto.signal(id, "KILL");
  }
}

export async function exec(conn: Connection, command: string, opts: ExecOptions): Promise<ExecResult> {
  const clock = opts.clock ?? systemClock;
  const { channel, c } = await openExec(conn, command, opts.forwardAgent === true);
  channel.end(opts.stdin ?? undefined);

  const abort = new AbortController();
  const timedOut = clock.sleep(opts.timeoutMs, abort.signal).then(
    () => true,
    () => false,
  );
  const late = await Promise.race([c.finished.then(() => false), timedOut]);
  abort.abort();
  if (late) {
    killRemote(channel);
    channel.close();
    throw new TimeoutError(`remote command ${JSON.stringify(command.slice(0, 60))}`, opts.timeoutMs);
  }
  return {
    stdout: Buffer.concat(c.out).toString("utf8"),
    stderr: Buffer.concat(c.err).toString("utf8"),
    exitCode: c.exit.code,
    signal: c.exit.signal,
  };
}
