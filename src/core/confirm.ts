/**
 * Yes/no before a destructive step. Only asked on a terminal (stdin to answer, stderr to show the
 * question); without one it refuses with a hint, so a script never destroys by accident.
 */
import { UsageError } from "./errors.ts";
import type { IO } from "./io.ts";

export interface ConfirmOptions {
  message: string;
  /** The error when nobody can be asked. */
  refusal: string;
  hint: string;
  /** False where asking is ruled out even on a terminal (e.g. --json output). */
  canAsk?: boolean;
}

export async function confirmOnTerminal(io: IO, o: ConfirmOptions): Promise<boolean> {
  if (o.canAsk === false || !io.stdinIsTTY || !io.stderrIsTTY)
    throw new UsageError(o.refusal, { hint: o.hint });
  const p = await import("@clack/prompts");
  return (await p.confirm({ message: o.message, initialValue: false })) === true;
}
