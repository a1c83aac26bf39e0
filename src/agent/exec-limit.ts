/** A cap on concurrent /exec commands: beyond it, 429 at once rather than an unbounded pile-up. */
import type { ExecFn } from "./exec.ts";
import { HttpError } from "./http.ts";

export const DEFAULT_MAX_EXECS = 8;

export function limitConcurrency(exec: ExecFn, max: number): ExecFn {
  let running = 0;
  return async (command, timeoutMs) => {
    if (running >= max) {
      throw new HttpError(
        429,
        `${running} commands are already running (the cap is ${max}); retry when one ends`,
      );
    }
    running++;
    try {
      return await exec(command, timeoutMs);
    } finally {
      running--;
    }
  };
}
