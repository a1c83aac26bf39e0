/** The machine's answer to "is there unsaved work?" (GET /unsaved), injected into down, gc and the reaper. */
import type { RepoUnsaved } from "../../src/agent/unsaved.ts";
import type { CheckUnsavedFn } from "../../src/commands/unsaved-check.ts";

/** One repository as the agent reports it: nothing unsaved unless `over` says so. */
export const unsavedRepo = (p: string, over: Partial<RepoUnsaved> = {}): RepoUnsaved => ({
  path: p,
  branch: "main",
  uncommitted: 0,
  untracked: 0,
  stashes: 0,
  unpushed: 0,
  sample: [],
  ...over,
});

/** A complete check of `checked` repositories that found `repos` (none: a clean machine). */
export const unsavedAnswer =
  (checked: number, repos: RepoUnsaved[] = [], checkedAt = "2026-01-01T00:00:00Z"): CheckUnsavedFn =>
  async () => ({
    ok: true,
    report: { guard_needed: true, checked_at: checkedAt, complete: true, checked, repos },
  });
