/**
 * The CLI's side of the unsaved-work guard: ask the machine's agent (GET /unsaved, over the
 * pinned SSH connection) what a teardown would lose, and remember the answer in the instance's
 * folder (unsaved.json) so every later command can say so without touching the network
 * (cli/kept-notice.ts). A machine that cannot be asked counts as unsaved: the guard errs on the
 * side of the work.
 */
import fs from "node:fs";
import path from "node:path";
import type { RepoUnsaved, UnsavedReport } from "../agent/unsaved.ts";
import { describeRepo } from "../agent/unsaved.ts";
import type { Deps } from "../cli/deps.ts";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import { visibleLine as printable } from "../core/visible.ts";
import type { InstanceRecord } from "../state/types.ts";
import { withAgent } from "./agent-session.ts";

export type UnsavedCheck =
  | { ok: true; report: UnsavedReport & { guard_needed: boolean } }
  | { ok: false; error: string };
export type CheckUnsavedFn = (deps: Deps, rec: InstanceRecord) => Promise<UnsavedCheck>;

/** The scan runs git in every repository: more than the agent client's usual 5 s. */
const SCAN_TIMEOUT_MS = 60_000;

/**
 * The CLI's hook for workspace volumes (issue 16, part 1): a workspace on a volume outlives the
 * machine, so `down`, `gc` and the reaper need not guard it. Nothing records volumes yet.
 */
export const workspaceOnVolume = (_rec: InstanceRecord): boolean => false;

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

const MAX_LINES = 50;

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

/** The last known account, kept beside the instance's other files. */
export interface Remembered {
  lines: string[];
  /** The agent kept the machine past its idle deadline for this work (GET /idle's `kept`). */
  kept: boolean;
  price_hourly?: { amount: number; currency: string } | null;
  at?: string;
}

const fileOf = (deps: Deps, name: string) => path.join(deps.paths.instanceDir(name), "unsaved.json");

/** Nothing unsaved and not kept: the file goes, so the notice stops. */
export function rememberUnsaved(deps: Deps, name: string, r: Remembered): void {
  const file = fileOf(deps, name);
  try {
    r = { ...r, lines: r.lines.slice(0, MAX_LINES).map((l) => printable(l, 300)) };
    if (r.lines.length === 0 && !r.kept) {
      fs.rmSync(file, { force: true });
      return;
    }
    const prev = readRemembered(file);
    const body = {
      ...r,
      price_hourly: r.price_hourly ?? prev?.price_hourly ?? null,
      at: new Date(deps.clock.now()).toISOString(),
    };
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileAtomic(file, `${JSON.stringify(body)}\n`);
  } catch (err) {
    deps.log.debug("could not remember unsaved work", { name, error: (err as Error).message });
  }
}

export function forgetUnsaved(deps: Deps, name: string): void {
  fs.rmSync(fileOf(deps, name), { force: true });
}

export function readRemembered(file: string): Remembered | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, "utf8")) as Remembered;
    return Array.isArray(v.lines) ? v : undefined;
  } catch {
    return undefined;
  }
}

export const rememberedFor = (deps: Deps, name: string) => readRemembered(fileOf(deps, name));
