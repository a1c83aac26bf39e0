/**
 * Output streams as a value: stdout carries results, stderr carries chatter and errors.
 * Commands never touch process.stdout directly, so tests can capture both and flip TTY flags.
 */
import { isatty } from "node:tty";
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

export function processIO(env: NodeJS.ProcessEnv = process.env): IO {
  // Touching process.stdin/stdout constructs stream objects (several ms of start-up), so TTY checks
  // use the file descriptors and the streams are only reached when something is written.
  const stderrIsTTY = isatty(2);
  return {
    out: { write: (chunk: string) => process.stdout.write(chunk) },
    err: { write: (chunk: string) => process.stderr.write(chunk) },
    stdoutIsTTY: isatty(1),
    stderrIsTTY,
    stdinIsTTY: isatty(0),
    color: stderrIsTTY && !("NO_COLOR" in env) && env.TERM !== "dumb",
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
