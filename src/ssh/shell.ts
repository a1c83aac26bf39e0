/**
 * Interactive PTY session (`spuff ssh`). Streams are injected so tests can drive it; with the
 * real process streams, local stdin goes raw and is always restored, whatever ends the session.
 */
import { constants } from "node:os";
import type { ClientChannel } from "ssh2";
import { type Connection, sessionOptions } from "./connection.ts";
import { SshError } from "./errors.ts";

export interface ShellInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
}

export interface ShellOutput extends NodeJS.WritableStream {
  rows?: number;
  columns?: number;
}

export interface ShellOptions {
  stdin: ShellInput;
  stdout: ShellOutput;
  stderr: NodeJS.WritableStream;
  /** $TERM for the remote PTY; default xterm-256color. */
  term?: string;
  env?: Record<string, string>;
}

function openShell(conn: Connection, opts: ShellOptions): Promise<ClientChannel> {
  const window = {
    term: opts.term ?? "xterm-256color",
    rows: opts.stdout.rows ?? 24,
    cols: opts.stdout.columns ?? 80,
    height: 0,
    width: 0,
  };
  return new Promise((resolve, reject) => {
    // Interactive: the user's agent is forwarded unless forward_agent is never.
    const forward = conn.agentFor(true);
    const release = forward ? conn.holdAgent() : () => {};
    conn.client.shell(window, { env: opts.env ?? {}, ...sessionOptions(forward) }, (err, channel) => {
      if (err) release();
      else channel.once("close", release);
      if (err)
        reject(new SshError("ssh_shell_failed", `Could not open a shell: ${err.message}`, { cause: err }));
      else resolve(channel);
    });
  });
}

/** Map the remote end like OpenSSH does: exit status, else 128+signal, else 255. */
function exitCodeOf(code: number | null, signal: string | undefined): number {
  if (typeof code === "number") return code;
  const n = signal ? (constants.signals as Record<string, number>)[`SIG${signal}`] : undefined;
  return n ? 128 + n : 255;
}

/** Run an interactive shell until it exits; resolves with the remote exit code. */
export async function shell(conn: Connection, opts: ShellOptions): Promise<number> {
  const { stdin, stdout, stderr } = opts;
  const channel = await openShell(conn, opts);
  const raw = Boolean(stdin.isTTY && stdin.setRawMode);
  const onData = (d: Buffer | string) => channel.write(d);
  const onEnd = () => channel.end();
  const onResize = () => channel.setWindow(stdout.rows ?? 24, stdout.columns ?? 80, 0, 0);
  const onChannelData = (d: Buffer) => stdout.write(d);
  const onChannelErr = (d: Buffer) => stderr.write(d);
  let onLost = () => {};
  try {
    if (raw) stdin.setRawMode?.(true);
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.resume();
    stdout.on("resize", onResize);
    channel.on("data", onChannelData);
    channel.stderr.on("data", onChannelErr);
    return await new Promise<number>((resolve, reject) => {
      let code: number | null = null;
      let signal: string | undefined;
      channel.on("exit", (c: number | null, s?: string) => {
        code = c;
        signal = s;
      });
      channel.once("close", () => resolve(exitCodeOf(code, signal)));
      onLost = () => reject(new SshError("ssh_connection_lost", "Connection to the machine was lost"));
      conn.client.once("close", onLost);
    });
  } finally {
    stdin.off("data", onData);
    stdin.off("end", onEnd);
    stdin.pause();
    stdout.off("resize", onResize);
    conn.client.off("close", onLost);
    if (raw) stdin.setRawMode?.(false);
  }
}
