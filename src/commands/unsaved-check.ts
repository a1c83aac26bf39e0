/**
 * The CLI's side of the unsaved-work guard: ask the machine's agent (GET /unsaved, over the
 * pinned SSH connection) what a teardown would lose, and remember the answer (unsaved-memory.ts)
 * so every later command can say so without touching the network (cli/kept-notice.ts). A machine that cannot be asked counts as unsaved: the guard errs on the
 * side of the work.
 */
import type { RepoUnsaved, UnsavedReport } from "../agent/unsaved.ts";
import { describeRepo } from "../agent/unsaved.ts";
import type { Deps } from "../cli/deps.ts";
import { visibleLine as printable } from "../core/visible.ts";
import type { InstanceRecord } from "../state/types.ts";
import { VOLUME_LABEL } from "../up/volume-label.ts";
import { withAgent } from "./agent-session.ts";
import { MAX_LINES, rememberUnsaved } from "./unsaved-memory.ts";

export type UnsavedCheck =
  | { ok: true; report: UnsavedReport & { guard_needed: boolean } }
  | { ok: false; error: string };
export type CheckUnsavedFn = (deps: Deps, rec: InstanceRecord) => Promise<UnsavedCheck>;

/** The scan runs git in every repository: more than the agent client's usual 5 s. */
const SCAN_TIMEOUT_MS = 60_000;

/**
 * The CLI's hook for workspace volumes: ~/workspace on a volume (the record's spuff-volume label,
 * up --volume) outlives the machine, so `down`, `gc` and the reaper need not guard it.
 */
export const workspaceOnVolume = (rec: InstanceRecord): boolean => rec.tags[VOLUME_LABEL] !== undefined;

export const checkUnsavedOverSsh: CheckUnsavedFn = async (deps, rec) => {
  try {
    const report = await withAgent(
      deps,
      rec,
      (agent) => agent.get<UnsavedReport & { guard_needed: boolean }>("/unsaved"),
      SCAN_TIMEOUT_MS,
    );
    rememberUnsaved(deps, rec.name, { lines: unsavedLines({ ok: true, report }), kept: false });
    return { ok: true, report };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
};

/**
 * What would be lost, one line per repository; [] when nothing (or when no guard is needed). The
 * machine's answer is untrusted: lines are bounded and stripped of terminal control characters.
 */
export function unsavedLines(check: UnsavedCheck): string[] {
  if (!check.ok) return [printable(`could not check for unsaved work (${check.error})`, 300)];
  if (check.report.guard_needed === false) return [];
  const lines = check.report.repos.slice(0, MAX_LINES).map((r) => printable(describeRepo(r), 300));
  if (!check.report.complete) lines.push("the scan stopped at its bounds: more repositories may hold work");
  return lines;
}

export function unsavedRepos(check: UnsavedCheck): RepoUnsaved[] {
  return check.ok ? check.report.repos : [];
}
