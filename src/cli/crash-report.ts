/**
 * An unexpected (internal) error is a bug: the user gets one line and the path of a report that
 * holds the stack, instead of a stack trace on the terminal. The report is 0600 in a 0700
 * directory under the config dir: a stack can quote values (paths, a response body). The
 * command line is left out on purpose (`spuff config set` takes tokens as arguments).
 */
import path from "node:path";
import type { SpuffError } from "../core/errors.ts";
import { writeFileAtomic } from "../core/fs-atomic.ts";

export interface CrashContext {
  dir: string;
  now: Date;
  version: string;
  pid: number;
}

export function crashReportText(err: SpuffError, c: Omit<CrashContext, "dir">): string {
  const cause = err.cause instanceof Error ? err.cause : err;
  return [
    `spuff ${c.version} crash report`,
    `time: ${c.now.toISOString()}`,
    `node: ${process.version} ${process.platform}-${process.arch}`,
    `error: ${err.message}`,
    "",
    cause.stack ?? String(cause),
    "",
  ].join("\n");
}

/** Writes the report; returns its path, or undefined when it could not be written. */
export function writeCrashReport(err: SpuffError, c: CrashContext): string | undefined {
  const stamp = c.now.toISOString().replace(/[:.]/g, "-");
  const file = path.join(c.dir, `crash-${stamp}-${c.pid}.txt`);
  try {
    writeFileAtomic(file, crashReportText(err, c), 0o600);
    return file;
  } catch {
    return undefined; // A read-only config dir: render-error prints the stack instead.
  }
}
