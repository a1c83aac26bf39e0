/** `spuff ssh [name]` (interactive shell) and `spuff exec [name] -- cmd…` (exit code propagated). */
import type { Deps } from "../cli/deps.ts";
import { UsageError } from "../core/errors.ts";
import { printJson } from "../core/io.ts";
import { readStdinText } from "../core/stdin.ts";
import { readProjectRecord } from "../project/record.ts";
import type { Connection } from "../ssh/connection.ts";
import { exec } from "../ssh/exec.ts";
import { type Forward, forward } from "../ssh/forward.ts";
import { shell } from "../ssh/shell.ts";
import { connectToInstance } from "./connect-instance.ts";
import { execLine } from "./exec-line.ts";
import { resolveInstance } from "./resolve-instance.ts";

/**
 * The spuff.yaml ports, forwarded for as long as the session lasts (as `ssh -L P:127.0.0.1:P`); a
 * port already taken here is reported and skipped, the shell still opens.
 */
async function forwardProjectPorts(deps: Deps, conn: Connection, instance: string): Promise<Forward[]> {
  const out: Forward[] = [];
  for (const port of readProjectRecord(deps.paths.instanceDir(instance))?.ports ?? []) {
    try {
      out.push(await forward(conn, { localHost: "127.0.0.1", localPort: port, remotePort: port }));
      deps.io.err.write(`spuff: forwarding 127.0.0.1:${port} → ${instance}:${port}\n`);
    } catch (err) {
      deps.io.err.write(`spuff: not forwarding port ${port}: ${(err as Error).message}\n`);
    }
  }
  return out;
}

export async function runSsh(deps: Deps, name: string | undefined): Promise<void> {
  const rec = await resolveInstance(deps, name);
  const conn = await connectToInstance(deps, rec);
  const forwards = await forwardProjectPorts(deps, conn, rec.name);
  try {
    if (!deps.io.stdinIsTTY) {
      // Like `echo cmds | ssh host`: no PTY (a PTY never sees the pipe's end), a login shell
      // reads the piped script.
      const settings = await deps.settings();
      const r = await exec(conn, "bash -l -s", {
        stdin: await readStdinText(),
        timeoutMs: settings.timeouts.execMs,
      });
      deps.io.out.write(r.stdout);
      deps.io.err.write(r.stderr);
      process.exitCode = r.exitCode ?? 255;
      return;
    }
    process.exitCode = await shell(conn, {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      term: deps.env.TERM,
    });
  } finally {
    await Promise.all(forwards.map((f) => f.close()));
    await conn.close();
  }
}

/** `before` holds what came before `--` (at most a name), `command` what came after. */
export async function runExec(deps: Deps, before: string[], command: string[]): Promise<void> {
  if (command.length === 0)
    throw new UsageError("No command given.", { hint: "spuff exec [NAME] -- COMMAND [ARGS…]" });
  if (before.length > 1)
    throw new UsageError(`Expected at most one instance name before --, got: ${before.join(" ")}`);
  const rec = await resolveInstance(deps, before[0]);
  const settings = await deps.settings();
  const conn = await connectToInstance(deps, rec);
  try {
    // The remote side runs a shell command line, as OpenSSH does: env file first, argv quoted.
    const r = await exec(conn, execLine(command), { timeoutMs: settings.timeouts.execMs });
    if (deps.json) {
      printJson(deps.io, {
        name: rec.name,
        exit_code: r.exitCode,
        signal: r.signal,
        stdout: r.stdout,
        stderr: r.stderr,
      });
    } else {
      deps.io.out.write(r.stdout);
      deps.io.err.write(r.stderr);
    }
    process.exitCode = r.exitCode ?? 255;
  } finally {
    await conn.close();
  }
}
