/** How an error reaches the user: one JSON object on stderr with --json, else message + hint. */
import type { SpuffError } from "../core/errors.ts";
import type { IO } from "../core/io.ts";

export interface RenderOptions {
  json: boolean;
  verbose: boolean;
  /** Saves a bug's stack to a file (cli/crash-report.ts); returns its path, undefined if it could not. */
  crashReport?: (err: SpuffError) => string | undefined;
}

export function renderError(io: IO, err: SpuffError, opts: RenderOptions): void {
  // A bug: the stack goes to a crash report, the terminal gets one line and its path.
  const report = err.code === "internal" && !opts.verbose ? opts.crashReport?.(err) : undefined;
  if (opts.json) {
    const body = report ? { ...err.toJSON(), crash_report: report } : err.toJSON();
    io.err.write(`${JSON.stringify({ error: body })}\n`);
    return;
  }
  if (report) {
    io.err.write(`Error: ${err.message} (a bug in spuff; crash report with the stack: ${report})\n`);
    return;
  }
  io.err.write(`Error: ${err.message}\n`);
  if (err.hint) io.err.write(`Hint: ${err.hint}\n`);
  // Stack traces when asked for, or for a bug whose report could not be written.
  if (opts.verbose || err.code === "internal") {
    const cause = err.cause instanceof Error ? err.cause : err;
    if (cause.stack) io.err.write(`${cause.stack}\n`);
  }
}
