/** How an error reaches the user: one JSON object on stderr with --json, else message + hint. */
import type { SpuffError } from "../core/errors.ts";
import type { IO } from "../core/io.ts";

export function renderError(io: IO, err: SpuffError, opts: { json: boolean; verbose: boolean }): void {
  if (opts.json) {
    io.err.write(`${JSON.stringify({ error: err.toJSON() })}\n`);
    return;
  }
  io.err.write(`Error: ${err.message}\n`);
  if (err.hint) io.err.write(`Hint: ${err.hint}\n`);
  // Stack traces only for bugs, or when asked for.
  if (opts.verbose || err.code === "internal") {
    const cause = err.cause instanceof Error ? err.cause : err;
    if (cause.stack) io.err.write(`${cause.stack}\n`);
  }
}
