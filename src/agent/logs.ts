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
  return (await readLogTailAt(root, file, lines)).lines;
}

export interface TailAt {
  lines: string[];
  /** Byte offset just after the last complete line: where `logs -f` continues. */
  offset: number;
  /** The last line has no newline yet (it is repeated, whole, from `offset`). */
  partial: boolean;
}

/** readLogTail plus where it ends, from one fstat, so a follower starts exactly there. */
export async function readLogTailAt(root: string, file: string, lines: number): Promise<TailAt> {
  const fh = await openLogFile(root, file);
  try {
    return await tailFileAt(fh, lines);
  } finally {
    await fh.close();
  }
}

/** The last `lines` lines of an open regular file, reading at most MAX_TAIL_BYTES from its end. */
export async function tailFile(fh: FileHandle, lines: number): Promise<string[]> {
  return (await tailFileAt(fh, lines)).lines;
}

async function tailFileAt(fh: FileHandle, lines: number): Promise<TailAt> {
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
  const data = Buffer.concat(chunks);
  const lastNewline = data.lastIndexOf(10);
  const partial = data.length > 0 && lastNewline !== data.length - 1;
  // With no newline in what was read, a follower can only restart where the read began.
  const offset = lastNewline >= 0 ? pos + lastNewline + 1 : pos;
  const all = data.toString("utf8").split("\n");
  if (all[all.length - 1] === "") all.pop();
  // The first line may be partial if we stopped mid-file; drop it unless we read from offset 0.
  if (pos > 0 && all.length > lines) all.shift();
  return { lines: all.slice(-lines), offset, partial };
}

/** Bytes returned per offset read at most; the follower asks again at once while `more` is set. */
export const MAX_CHUNK_BYTES = 1024 * 1024;

export interface LogChunk {
  /** Complete lines from `from` on (a partial last line is held back until its newline arrives). */
  lines: string[];
  /** Where the read started: 0 after a reset, else the requested offset. */
  from: number;
  /** The offset to ask for next. */
  offset: number;
  /** The file's size when read. */
  size: number;
  /** The requested offset was past the end (truncated or replaced file): read restarted at 0. */
  reset: boolean;
  /** Bytes remain after `offset`: ask again without waiting. */
  more: boolean;
}

export function parseOffset(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new HttpError(400, "offset must be a non-negative integer");
  return Number(raw);
}

/**
 * Lines appended since byte `offset` of `file`, confined to `root` exactly like readLogTail (the
 * same openLogFile). Offsets always land just after a newline, so no line is split or repeated.
 */
export async function readLogFrom(
  root: string,
  file: string,
  offset: number,
  maxBytes = MAX_CHUNK_BYTES,
): Promise<LogChunk> {
  const fh = await openLogFile(root, file);
  try {
    return await readFrom(fh, offset, maxBytes);
  } finally {
    await fh.close();
  }
}

export async function readFrom(fh: FileHandle, offset: number, maxBytes: number): Promise<LogChunk> {
  const { size } = await fh.stat();
  const reset = offset > size;
  const from = reset ? 0 : offset;
  const want = Math.min(maxBytes, size - from);
  const buf = Buffer.alloc(want);
  let got = 0;
  while (got < want) {
    const { bytesRead } = await fh.read(buf, got, want - got, from + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  const data = buf.subarray(0, got);
  let end = data.lastIndexOf(10) + 1;
  // A single line longer than the chunk would never end: hand it over in chunk-sized pieces.
  if (end === 0 && got === maxBytes) end = got;
  const text = data.subarray(0, end).toString("utf8");
  const lines = text === "" ? [] : text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const next = from + end;
  return { lines, from, offset: next, size, reset, more: end > 0 && next < size };
}
