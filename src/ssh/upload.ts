/**
 * Atomic file upload over SFTP: write a temp file beside the target, set its mode, then rename
 * over the target, so a reader never sees a half-written file (scripts, configs, the agent binary).
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { SFTPWrapper } from "ssh2";
import type { Connection } from "./connection.ts";
import { SshError } from "./errors.ts";

export interface UploadOptions {
  /** Remote absolute path of the final file. */
  remotePath: string;
  /** Contents, or a local file path to read them from. */
  data: Buffer | string | { localPath: string };
  /** Permission bits, e.g. 0o755. Default 0o644. */
  mode?: number;
}

function openSftp(conn: Connection): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    conn.client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp)));
  });
}

/** Promisify one SFTP callback call. */
function call(fn: (cb: (err?: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

async function replace(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  // posix-rename@openssh.com overwrites atomically; plain SFTP rename fails if the target exists.
  try {
    await call((cb) => sftp.ext_openssh_rename(from, to, cb));
    return;
  } catch (err) {
    if (!/does not support/.test((err as Error).message)) throw err;
  }
  await call((cb) => sftp.unlink(to, cb)).catch(() => undefined);
  await call((cb) => sftp.rename(from, to, cb));
}

export async function upload(conn: Connection, opts: UploadOptions): Promise<void> {
  const data =
    typeof opts.data === "string" || Buffer.isBuffer(opts.data)
      ? Buffer.from(opts.data)
      : await readFile(opts.data.localPath);
  const mode = opts.mode ?? 0o644;
  const dir = path.posix.dirname(opts.remotePath);
  const tmp = path.posix.join(
    dir,
    `.${path.posix.basename(opts.remotePath)}.spuff-${randomBytes(4).toString("hex")}`,
  );
  let sftp: SFTPWrapper;
  try {
    sftp = await openSftp(conn);
  } catch (err) {
    throw new SshError("sftp_failed", `Could not start SFTP: ${(err as Error).message}`, { cause: err });
  }
  try {
    await call((cb) => sftp.writeFile(tmp, data, { mode }, cb));
    // The open-time mode is filtered by the server's umask; chmod makes it exact.
    await call((cb) => sftp.chmod(tmp, mode, cb));
    await replace(sftp, tmp, opts.remotePath);
  } catch (err) {
    await call((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
    throw new SshError("upload_failed", `Upload to ${opts.remotePath} failed: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    sftp.end();
  }
}
