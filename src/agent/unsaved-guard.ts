/**
 * The guard between an idle decision and the teardown: a machine with unsaved work (unsaved.ts)
 * is kept running instead, visibly (GET /idle's `kept`), until the work is committed and pushed
 * or max_lifetime (plus a grace for the CLI's snapshot) ends it. `kept` stays through later activity (a `spuff status` over SSH is
 * activity too, and must still see why) and goes when a scan at a deadline finds nothing. Scans are cached for `recheckMs` so a 1 s tick does
 * not run git every second. A scan that fails counts as unsaved: the guard errs on the work's side.
 */
import type { AgentSettings } from "./config.ts";
import { describeRepo, type UnsavedReport } from "./unsaved.ts";

export interface Kept {
  reason: "unsaved_work";
  /** When the machine was first kept for this reason (ISO). */
  since: string;
  /** One line per repository, e.g. "workspace/app: 1 unpushed commit". */
  detail: string[];
  checked_at: string;
}

/** How long past max_lifetime a machine with unsaved work waits for the CLI's reaper to snapshot it. */
export const DEFAULT_UNSAVED_GRACE_SECONDS = 6 * 3600;
export const unsavedGraceMs = (settings: AgentSettings) =>
  (settings.unsaved_grace_seconds ?? DEFAULT_UNSAVED_GRACE_SECONDS) * 1000;

export type ScanFn = () => Promise<UnsavedReport>;

/**
 * The idle guard's scan and GET /unsaved's. On a volume machine (agent.json, believed only from a
 * root-owned file) the guard's leaves a mounted ~/workspace out: that work outlives the machine.
 * GET /unsaved always scans everything, since `down --delete-volume` asks it before the volume goes.
 */
export function unsavedScans(scanFor: (workspaceOnVolume: boolean) => ScanFn, settings: AgentSettings) {
  return { guard: scanFor(settings.workspace_on_volume === true), report: scanFor(false) };
}

export function createUnsavedGuard(scan: ScanFn, recheckMs: number) {
  let cached: { at: number; report: UnsavedReport | { error: string } } | undefined;
  let kept: Kept | null = null;

  async function report(now: number) {
    if (!cached || now - cached.at >= recheckMs) {
      const r = await scan().catch((e: Error) => ({ error: e.message }));
      cached = { at: now, report: r };
    }
    return cached.report;
  }

  return {
    /** Lines describing the unsaved work now, or [] when there is none (nothing to keep). */
    async unsaved(now: number): Promise<{ detail: string[]; checked_at: string }> {
      const r = await report(now);
      const checked_at = new Date(cached?.at ?? now).toISOString();
      if ("error" in r) return { detail: [`could not check for unsaved work (${r.error})`], checked_at };
      const detail = r.repos.map(describeRepo);
      if (!r.complete) detail.push("the scan stopped at its bounds (50 repositories, 5000 directories)");
      return { detail, checked_at: r.checked_at };
    },
    keep(now: number, detail: string[], checked_at: string): { changed: boolean; kept: Kept } {
      const changed = kept === null || kept.detail.join("\n") !== detail.join("\n");
      kept = {
        reason: "unsaved_work",
        since: kept?.since ?? new Date(now).toISOString(),
        detail,
        checked_at,
      };
      return { changed, kept };
    },
    release(): boolean {
      const was = kept !== null;
      kept = null;
      return was;
    },
    kept: () => kept,
  };
}

export type UnsavedGuard = ReturnType<typeof createUnsavedGuard>;
