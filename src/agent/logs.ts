/**
 * Tail of a log file, confined to the log root: the requested path must be absolute and must not
 * contain "..". The file is opened, then the open descriptor is checked (its /proc/self/fd link
 * inside the root's real path, fstat a regular file), so no swap between check and use can escape.
 */
import { constants, promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { HttpError } from "./http.ts";

export const DEFAULT_LINES = 100;
export const MAX_LINES = 10_000;
/** Bytes read from the end of the file at most: bounds memory whatever the line lengths. */
const MAX_TAIL_BYTES = 8 * 1024 * 1024;

export function parseLines(raw: string | null): number {
  if (raw === null || raw === "") return DEFAULT_LINES;
  if (!/^\d{1,9}$/.test(raw)) throw new HttpError(400, "lines must be a positive integer");
  return Math.min(Math.max(Number(raw), 1), MAX_LINES);
}

/**
 * Opens `file` for reading if it is a regular file inside `root`, or throws 403/404. The file is
 * opened first and the opened descriptor is what gets checked (/proc/self/fd/N names the file it
 * really is): a directory swapped for a symlink between a path check and the open cannot make the
 * agent serve a file outside the root.
 */
export async function openLogFile(root: string, file: string): Promise<FileHandle> {
  if (file.includes("\0") || !path.isAbsolute(file) || file.split(/[\\/]/).includes("..")) {
    throw new HttpError(403, "file must be an absolute path under the log directory");
  }
  const lexical = path.resolve(file);
  if (lexical !== root && !lexical.startsWith(root.endsWith("/") ? root : `${root}/`)) {
    throw new HttpError(403, "file must be under the log directory");
  }
  const realRoot = await fsp.realpath(root);
  // Resolving first lets symlinks that stay inside the root work; the real check comes after open.
  const real = await fsp.realpath(lexical).catch(() => {
    throw new HttpError(404, "log file not found");
  });
  if (!real.startsWith(`${realRoot}/`)) throw new HttpError(403, "file resolves outside the log directory");
  // O_NOFOLLOW: a last component swapped for a symlink fails (ELOOP); O_NONBLOCK: a FIFO cannot block.
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
  const fh = await fsp.open(real, flags).catch((e: NodeJS.ErrnoException) => {
    throw e.code === "ELOOP"
      ? new HttpError(403, "file resolves outside the log directory")
      : new HttpError(404, "log file not found");
  });
  try {
    const where = await fsp.readlink(`/proc/self/fd/${fh.fd}`);
    if (!where.startsWith(`${realRoot}/`))
      throw new HttpError(403, "file resolves outside the log directory");
    if (!(await fh.stat()).isFile()) throw new HttpError(403, "not a regular file");
    return fh;
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Tail of `file`, confined to `root` (403/404 otherwise). */
export async function readLogTail(root: string, file: string, lines: number): Promise<string[]> {
  const fh = await openLogFile(root, file);
  try {
    return await tailFile(fh, lines);
  } finally {
    await fh.close();
  }
}

/** The last `lines` lines of an open regular file, reading at most MAX_TAIL_BYTES from its end. */
export async function tailFile(fh: FileHandle, lines: number): Promise<string[]> {
  const st = await fh.stat();
  const chunks: Buffer[] = [];
  let pos = st.size;
  let newlines = 0;
  let read = 0;
  // Read backwards in 64 KiB chunks until we have enough lines or hit the byte cap.
  while (pos > 0 && newlines <= lines && read < MAX_TAIL_BYTES) {
    const size = Math.min(64 * 1024, pos);
    pos -= size;
    const buf = Buffer.alloc(size);
    await fh.read(buf, 0, size, pos);
    chunks.unshift(buf);
    read += size;
    for (const b of buf) if (b === 10) newlines++;
  }
  const text = Buffer.concat(chunks).toString("utf8");
  const all = text.split("\n");
  if (all[all.length - 1] === "") all.pop();
  // The first line may be partial if we stopped mid-file; drop it unless we read from offset 0.
  if (pos > 0 && all.length > lines) all.shift();
  return all.slice(-lines);
}
