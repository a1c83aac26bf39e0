/**
 * The real `spuff` binary as a running child, for tests that act while it runs (signals, kills):
 * stdout lines as they arrive, a wait for a matching line, and the final result.
 */
import type { ChildProcess } from "node:child_process";
import { type RunResult, spawnSpuff } from "./cli.ts";

export interface SpuffProcess {
  child: ChildProcess;
  /** Resolves with the first stdout line (so far or later) that `pred` accepts; rejects after `ms`. */
  waitForLine(pred: (line: string) => boolean, ms?: number): Promise<string>;
  done: Promise<RunResult & { signal: NodeJS.Signals | null }>;
  /** What it wrote to stderr so far (for a failing assertion's message). */
  stderr(): string;
}

export function startSpuff(
  args: string[],
  o: { configDir: string; env?: Record<string, string>; timeoutMs?: number; cwd?: string },
): SpuffProcess {
  const child = spawnSpuff(args, o);
  let stdout = "";
  let stderr = "";
  const lines: string[] = [];
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  let partial = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d;
    partial += d;
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pred(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr?.on("data", (d: Buffer) => (stderr += d));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 60_000);
  const done = new Promise<RunResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    done,
    stderr: () => stderr,
    waitForLine(pred, ms = 30_000) {
      const seen = lines.find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching line in ${ms} ms; stderr: ${stderr}`)), ms);
        waiters.push({
          pred,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
  };
}

/** A predicate for an NDJSON progress line of `spuff up --json`. */
export const phaseEvent =
  (phase: string, status: string) =>
  (line: string): boolean => {
    try {
      const e = JSON.parse(line) as { event?: string; phase?: string; status?: string };
      return e.event === "phase" && e.phase === phase && e.status === status;
    } catch {
      return false;
    }
  };

/**
 * Calibration for kill-point tests: runs `up` (args per probe) three times, SIGKILLs each probe
 * once `wait_ssh` starts, and returns the median ms until `phase` started and until `wait_ssh`
 * started, measured on this machine under its current load.
 */
export async function phaseReachTimes(
  probeArgs: (i: number) => string[],
  phase: string,
  o: { configDir: string; env?: Record<string, string> },
): Promise<{ reachPhase: number; reachWaitSsh: number }> {
  const phases: number[] = [];
  const waits: number[] = [];
  for (let p = 0; p < 3; p++) {
    const probe = startSpuff(probeArgs(p), o);
    const t0 = Date.now();
    await probe.waitForLine(phaseEvent(phase, "start"));
    phases.push(Date.now() - t0);
    await probe.waitForLine(phaseEvent("wait_ssh", "start"));
    waits.push(Date.now() - t0);
    probe.child.kill("SIGKILL");
    await probe.done;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] as number;
  return { reachPhase: median(phases), reachWaitSsh: median(waits) };
}
