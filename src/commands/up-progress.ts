/**
 * How `spuff up` shows its phases, fed by applyUp's PhaseEvent stream (up/apply.ts). Three forms:
 *   --json        NDJSON on stdout, one event a line (start, progress, done, failed) for tools;
 *   terminal      a live task list on stderr (up-progress-tty.ts, listr2, loaded only here);
 *   otherwise     (stderr not a TTY, NO_COLOR, TERM=dumb, width 0) one plain line per finished phase.
 */
import type { Deps } from "../cli/deps.ts";
import type { Writable } from "../core/io.ts";
import type { PhaseEvent, UpPhase } from "../up/phases.ts";

export interface UpProgress {
  onEvent(e: PhaseEvent): void;
  /** Stop rendering (success or failure); anything printed after this lands below the list. */
  end(): Promise<void>;
}

export type ProgressMode = "json" | "tty" | "plain";

export function progressMode(deps: Pick<Deps, "json" | "io">): ProgressMode {
  if (deps.json) return "json";
  // A terminal of width 0 (a pseudo-terminal nobody sized) cannot hold a redrawn list.
  return deps.io.color && deps.io.columns > 0 ? "tty" : "plain";
}

/** `phases`: the ones this `up` will run (up/phases.ts phasesFor), for the terminal's task list. */
export async function createUpProgress(deps: Deps, phases?: readonly UpPhase[]): Promise<UpProgress> {
  const mode = progressMode(deps);
  if (mode === "json") return ndjsonProgress(deps.io.out);
  if (mode === "plain") return plainProgress(deps.io.err);
  const { ttyProgress } = await import("./up-progress-tty.ts");
  return ttyProgress(process.stderr, phases);
}

export function ndjsonProgress(out: Writable): UpProgress {
  return {
    onEvent: (e) => out.write(`${JSON.stringify({ event: "phase", ...e })}\n`),
    end: async () => {},
  };
}

/** `✓ wait_ssh 1234 ms  detail` (`✓ setup 900 ms cached  …` from a prebuild) per finished phase: stable to grep, no cursor movement. */
export function plainProgress(err: Writable): UpProgress {
  return {
    onEvent(e) {
      if (e.status === "start" || e.status === "progress") return;
      const mark = e.status === "done" ? "✓" : "✗";
      const ms = e.ms !== undefined ? ` ${Math.round(e.ms)} ms` : "";
      const cached = e.cached ? " cached" : "";
      err.write(`${mark} ${e.phase}${ms}${cached}${e.detail ? `  ${e.detail}` : ""}\n`);
    },
    end: async () => {},
  };
}
