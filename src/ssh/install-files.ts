/**
 * Write several files on the remote machine in one exec: the contents travel base64-encoded in
 * the command's stdin (never on a command line, where `ps` would show them), each file is
 * written with umask 077 into a temp file beside its target, then given its owner and mode and
 * renamed into place, so nobody else can read it at any moment and no reader sees half a file.
 * Runs as root through `sudo -n`, so files can belong to root or to the dev user.
 */

import { shellQuote } from "../cloudinit/shell-quote.ts";
import type { Clock } from "../core/clock.ts";
import { UserError } from "../core/errors.ts";
import type { Connection } from "./connection.ts";
import { exec } from "./exec.ts";

export interface RemoteFile {
  path: string;
  content: string;
  /** Octal, e.g. "0600". */
  mode: string;
  /** "user:group". */
  owner: string;
}

export interface RemoteDir {
  path: string;
  mode: string;
  owner: string;
}

/** The script that `sudo -n bash -s` reads; exported for its unit test. */
export function installScript(dirs: readonly RemoteDir[], files: readonly RemoteFile[]): string {
  const lines = ["set -euo pipefail", "umask 077"];
  for (const d of dirs) {
    const [u, g] = d.owner.split(":");
    lines.push(
      `install -d -m ${d.mode} -o ${shellQuote(u ?? "root")} -g ${shellQuote(g ?? "root")} ${shellQuote(d.path)}`,
    );
  }
  for (const f of files) {
    if (!/^\/[\w./-]+$/.test(f.path) || f.path.split("/").includes("..")) {
      throw new UserError("remote_path_invalid", `Refusing to write ${JSON.stringify(f.path)} on the VM`);
    }
    const b64 = Buffer.from(f.content, "utf8").toString("base64");
    const dir = f.path.slice(0, f.path.lastIndexOf("/")) || "/";
    lines.push(
      `t="$(mktemp -p ${shellQuote(dir)} .spuff-XXXXXX)"`,
      `printf %s ${shellQuote(b64)} | base64 -d >"$t"`,
      `chown ${shellQuote(f.owner)} "$t"`,
      `chmod ${f.mode} "$t"`,
      `mv -f "$t" ${shellQuote(f.path)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export async function installFiles(
  conn: Connection,
  dirs: readonly RemoteDir[],
  files: readonly RemoteFile[],
  timeoutMs: number,
  clock?: Clock,
): Promise<void> {
  const r = await exec(conn, "sudo -n bash -s", {
    stdin: installScript(dirs, files),
    timeoutMs,
    ...(clock ? { clock } : {}),
  });
  if (r.exitCode !== 0) {
    // stderr names paths, never contents (contents only ever travel on stdin).
    throw new UserError(
      "remote_install_failed",
      `Writing files on the VM failed (exit ${r.exitCode}): ${r.stderr.trim()}`,
    );
  }
}
