/**
 * Output streams as a value: stdout carries results, stderr carries chatter and errors.
 * Commands never touch process.stdout directly, so tests can capture both and flip TTY flags.
 */
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(typeof __filename === "string" ? __filename : import.meta.url);
export interface Writable {
  write(chunk: string): unknown;
}

export interface IO {
  out: Writable;
  err: Writable;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  /** False when NO_COLOR is set or stderr is not a terminal. */
  color: boolean;
  columns: number;
}

/**
 * Write to fd 1/2 synchronously when possible: constructing process.stdout/stderr loads the stream
 * and socket machinery (~10 ms of every start-up). A non-blocking pipe that is full answers EAGAIN;
 * then, and for anything after it, the stream takes over so no byte is lost or reordered.
 */
function fdWriter(fd: 1 | 2): Writable {
  let useStream = false;
  let closed = false;
  const stream = () => (fd === 1 ? process.stdout : process.stderr);
  return {
    write(chunk: string) {
      // The reader went away (`spuff list | head -1`): drop output quietly, like other CLIs.
      if (closed) return false;
      if (!useStream) {
        const buf = Buffer.from(chunk);
        let off = 0;
        try {
          while (off < buf.length) off += fs.writeSync(fd, buf, off);
          return true;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "EPIPE") {
            closed = true;
            return false;
          }
          if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
          useStream = true;
          return stream().write(buf.subarray(off));
        }
      }
      return stream().write(chunk);
    },
  };
}

export function processIO(env: NodeJS.ProcessEnv = process.env): IO {
  // TTY checks load node:tty (and with it net), so they run only when a command asks.
  let tty: typeof import("node:tty") | undefined;
  const isatty = (fd: number) => {
    tty ??= require("node:tty") as typeof import("node:tty");
    return tty.isatty(fd);
  };
  return {
    out: fdWriter(1),
    err: fdWriter(2),
    get stdoutIsTTY() {
      return isatty(1);
    },
    get stderrIsTTY() {
      return isatty(2);
    },
    get stdinIsTTY() {
      return isatty(0);
    },
    get color() {
      return isatty(2) && !("NO_COLOR" in env) && env.TERM !== "dumb";
    },
    get columns() {
      return process.stdout.columns ?? 80;
    },
  };
}

/** Buffers for tests. */
export function createTestIO(tty = false): IO & { stdout(): string; stderr(): string } {
  let o = "";
  let e = "";
  return {
    out: { write: (c: string) => (o += c) },
    err: { write: (c: string) => (e += c) },
    stdoutIsTTY: tty,
    stderrIsTTY: tty,
    stdinIsTTY: tty,
    color: false,
    columns: 100,
    stdout: () => o,
    stderr: () => e,
  };
}

/** Print one JSON document on stdout: the whole of stdout in --json mode. */
export function printJson(io: IO, value: unknown): void {
  io.out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain, stable table: no colour or truncation when piped, columns padded to the widest cell. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("   ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}
