/**
 * Waiting until cloud-init has finished on the instance, without noticing late.
 *
 * `cloud-init status --wait` is the authority, but it reports the end 0.25–0.5 s after it: it
 * sleeps 0.25 s between checks and once more after seeing the end (cloudinit/cmd/status.py,
 * 22.4), and the measured cost showed in `up`'s overhead (BENCHMARKS.md). So it is started at
 * once and raced with a 50 ms shell watch for /run/cloud-init/result.json, the file cloud-init
 * writes last (end of modules-final, after status.json has its final state) holding every
 * stage's errors. result.json with no errors means done, the rule `cloud-init status` itself
 * applies; anything else (errors, cloud-init disabled, the file never written) waits for the
 * authority's verdict. /run is a tmpfs, so a result.json is always this boot's.
 */
import { type Clock, systemClock } from "../core/clock.ts";
import { UserError } from "../core/errors.ts";
import type { Connection } from "../ssh/connection.ts";
import { exec } from "../ssh/exec.ts";

export const CLOUD_INIT_RESULT = "/run/cloud-init/result.json";
const DONE = "status done, no errors";

/** Bounded: at most `polls` checks 50 ms apart, then it prints whatever is there (maybe nothing). */
export function resultWatchCommand(polls: number, file = CLOUD_INIT_RESULT): string {
  return `i=0; while [ ! -e ${file} ] && [ $i -lt ${polls} ]; do sleep 0.05; i=$((i+1)); done; cat ${file} 2>/dev/null`;
}

/** True only for a result.json that parses and lists no errors. */
export function resultIsClean(text: string): boolean {
  try {
    const errors = (JSON.parse(text) as { v1?: { errors?: unknown } }).v1?.errors;
    return Array.isArray(errors) && errors.length === 0;
  } catch {
    return false;
  }
}

/** `cloud-init status --format=json` output → done, or the error naming what cloud-init said. */
export function statusVerdict(stdout: string, stderr: string, exitCode: number | null): string {
  let parsed: { status?: string; errors?: unknown[] } = {};
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new UserError(
      "cloud_init_status",
      `cloud-init status printed no JSON (exit ${exitCode}): ${stderr.trim()}`,
    );
  }
  if (parsed.status !== "done" || (parsed.errors ?? []).length > 0) {
    throw new UserError(
      "cloud_init_failed",
      `cloud-init ended with status ${parsed.status}: ${JSON.stringify(parsed.errors ?? [])}`,
    );
  }
  return DONE;
}

/**
 * Resolves "status done, no errors" as soon as either check says so; rejects with cloud-init's
 * error, or with a timeout once `timeoutMs` has passed on the clock (the authority's own bound).
 */
export async function waitCloudInit(
  conn: Connection,
  timeoutMs: number,
  o: { clock?: Clock; exec?: typeof exec } = {},
): Promise<string> {
  const clock = o.clock ?? systemClock;
  const run = o.exec ?? exec;
  const authority = run(conn, "cloud-init status --wait --format=json", { timeoutMs, clock }).then((r) =>
    statusVerdict(r.stdout, r.stderr, r.exitCode),
  );
  // Once the watch has answered, the authority's late result (or failure) matters to no one.
  authority.catch(() => undefined);
  // The watch counts its own 50 ms checks; the clock's bound (5 s later) is only a backstop.
  const watch = run(conn, resultWatchCommand(Math.ceil(timeoutMs / 50)), {
    timeoutMs: timeoutMs + 5000,
    clock,
  }).then(
    (r) => (resultIsClean(r.stdout) ? DONE : authority),
    () => authority,
  );
  return Promise.race([authority, watch]);
}
