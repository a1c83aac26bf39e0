/**
 * Tail of a log file, confined to the log root: the requested path must be absolute, must not
 * contain "..", and its real path (symlinks resolved) must be a regular file inside the root's
 * real path. The file is opened O_NOFOLLOW|O_NONBLOCK and checked again with fstat, so a FIFO or a
 * swapped-in symlink cannot block or escape.
 */
import { constants, promises as fsp } from "node:fs";
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

/** Resolves `file` to a real path inside `root`, or throws 403/404. */
export async function resolveLogFile(root: string, file: string): Promise<string> {
  if (file.includes("\0") || !path.isAbsolute(file) || file.split(/[\\/]/).includes("..")) {
    throw new HttpError(403, "file must be an absolute path under the log directory");
  }
  const realRoot = await fsp.realpath(root);
  const lexical = path.resolve(file);
  if (lexical !== root && !lexical.startsWith(root.endsWith("/") ? root : `${root}/`)) {
    throw new HttpError(403, "file must be under the log directory");
  }
  let real: string;
  try {
    real = await fsp.realpath(lexical);
  } catch {
    throw new HttpError(404, "log file not found");
  }
  if (!real.startsWith(`${realRoot}/`)) throw new HttpError(403, "file resolves outside the log directory");
  const st = await fsp.stat(real);
  if (!st.isFile()) throw new HttpError(403, "not a regular file");
  return real;
}

export async function tailFile(file: string, lines: number): Promise<string[]> {
  const fh = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new HttpError(403, "not a regular file");
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
  } finally {
    await fh.close();
  }
}
