/**
 * /var/log/cloud-init-output.log over the pinned connection: the live last line while `up` waits
 * for cloud-init (the progress detail), and the last lines when it failed (the error's tail).
 * Both read with `sudo -n tail` on their own exec channel, so they never hold up the wait itself.
 */
import { type Clock, systemClock } from "../core/clock.ts";
import type { Connection } from "../ssh/connection.ts";
import { exec } from "../ssh/exec.ts";

export const CLOUD_INIT_LOG = "/var/log/cloud-init-output.log";

/** The log is root:adm 0640 on cloud images: sudo first; plain tail where there is no sudo (root). */
const tailCommand = (lines: number, file = CLOUD_INIT_LOG) =>
  `(sudo -n tail -n ${lines} ${file} || tail -n ${lines} ${file}) 2>/dev/null`;

/**
 * The line a person would look at: the last non-empty one, with apt's carriage-return progress
 * and terminal escapes removed so it cannot move the cursor of the terminal showing it.
 */
export function lastLogLine(text: string): string | undefined {
  const lines = text
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "")
    .split(/[\r\n]+/)
    .map((l) => l.replace(/[\u0000-\u001f\u007f]/g, "").trimEnd())
    .filter((l) => l.trim() !== "");
  return lines.at(-1);
}

export interface FollowOptions {
  /** Pause between reads (default 1 s). */
  intervalMs?: number;
  /** Upper bound on reads, whatever happens (default: the phase's timeout / interval). */
  maxPolls: number;
  /** Per-read timeout (default 5 s). */
  readTimeoutMs?: number;
  /** Tests read another file; `up` reads CLOUD_INIT_LOG. */
  logPath?: string;
  /** Paces the reads and bounds each one (default: real time). */
  clock?: Clock;
  /** Runs each read (default: ssh/exec; tests pass a stand-in). */
  exec?: typeof exec;
}

/**
 * Poll the log's last line and report it whenever it changes, until stopped or `maxPolls` reads.
 * stop() returns at once (a read in flight finishes on its own channel and is then ignored);
 * `finished` resolves with the number of reads once the loop has ended either way.
 */
export function followCloudInitLog(
  conn: Connection,
  onLine: (line: string) => void,
  o: FollowOptions,
): { stop(): void; finished: Promise<number> } {
  const intervalMs = o.intervalMs ?? 1000;
  const clock = o.clock ?? systemClock;
  const run = o.exec ?? exec;
  let stopped = false;
  let wake: (() => void) | undefined;
  const stopping = new AbortController();
  // Ends after the interval, or at once on stop() (the clock's timer is cancelled with it).
  const pause = () =>
    new Promise<void>((r) => {
      wake = r;
      clock.sleep(intervalMs, stopping.signal).then(r, r);
    });
  const loop = async () => {
    let last: string | undefined;
    let polls = 0;
    while (!stopped && polls < o.maxPolls) {
      polls++;
      try {
        const r = await run(conn, tailCommand(3, o.logPath), { timeoutMs: o.readTimeoutMs ?? 5000, clock });
        const line = lastLogLine(r.stdout);
        if (!stopped && line !== undefined && line !== last) {
          last = line;
          onLine(line);
        }
      } catch {
        // A read that fails (connection busy or closing) only costs one detail update.
      }
      if (!stopped && polls < o.maxPolls) await pause();
    }
    return polls;
  };
  const finished = loop();
  return {
    stop() {
      stopped = true;
      stopping.abort();
      wake?.();
    },
    finished,
  };
}

/** The last 20 lines, for the error of a failed `up`; undefined when unreadable or empty. */
export async function cloudInitTail(conn: Connection, clock?: Clock): Promise<string | undefined> {
  try {
    const r = await exec(conn, tailCommand(20), { timeoutMs: 10_000, ...(clock ? { clock } : {}) });
    return r.stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}
