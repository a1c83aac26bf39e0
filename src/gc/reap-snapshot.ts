/**
 * Before the deadline reaper destroys an instance: if it holds work that exists nowhere else
 * (asked over SSH, GET /unsaved), or if it cannot be asked, its disk is snapshotted first (the
 * machine's secrets scrubbed as for any snapshot) and `spuff up --snapshot ID` brings the work
 * back. A snapshot that fails stops the destroy: the instance is kept (and billed) and the next
 * command tries again, until the user lets it go with `spuff down NAME --discard-unsaved`.
 */
import type { Deps } from "../cli/deps.ts";
import { type ScrubFn, snapshotInstance } from "../commands/snapshot.ts";
import {
  type CheckUnsavedFn,
  checkUnsavedOverSsh,
  unsavedLines,
  workspaceOnVolume,
} from "../commands/unsaved-check.ts";
import type { Provider } from "../providers/types.ts";
import type { InstanceRecord } from "../state/types.ts";

export interface ReapSnapshotOptions {
  check?: CheckUnsavedFn;
  scrub?: ScrubFn;
}

export type SavedBeforeReap =
  | { kind: "nothing_to_save" }
  | { kind: "saved"; snapshot: { id: string; name: string }; lines: string[] }
  | { kind: "not_saved"; error: string; lines: string[] };

export async function saveBeforeReap(
  deps: Deps,
  rec: InstanceRecord,
  provider: Provider,
  o: ReapSnapshotOptions = {},
): Promise<SavedBeforeReap> {
  // Never ready: no work of the user's could be on it.
  if (!rec.providerId || !rec.readyAt || workspaceOnVolume(rec)) return { kind: "nothing_to_save" };
  const lines = unsavedLines(await (o.check ?? checkUnsavedOverSsh)(deps, rec));
  if (lines.length === 0) return { kind: "nothing_to_save" };
  try {
    const s = await snapshotInstance(deps, rec, provider, undefined, {
      destroying: true,
      ...(o.scrub ? { scrub: o.scrub } : {}),
    });
    return { kind: "saved", snapshot: { id: s.id, name: s.name }, lines };
  } catch (err) {
    return { kind: "not_saved", error: err instanceof Error ? err.message : String(err), lines };
  }
}

/** The line the user reads (stderr), for each outcome that has something to say. */
export function savedLine(rec: InstanceRecord, s: SavedBeforeReap): string | undefined {
  const what = s.kind === "nothing_to_save" ? "" : s.lines.join("; ");
  if (s.kind === "saved")
    return `${rec.name} reached its max_lifetime deadline (${rec.deadlineAt}) with unsaved work (${what}): saved in snapshot ${s.snapshot.id} (${s.snapshot.name}), then destroyed and forgotten. Bring it back: spuff up ${rec.name} --snapshot ${s.snapshot.id}`;
  if (s.kind === "not_saved")
    return `${rec.name} reached its max_lifetime deadline (${rec.deadlineAt}) with unsaved work (${what}) and could not be snapshotted (${s.error}): kept, and still billed; the next command tries again. To let it go: spuff down ${rec.name} --discard-unsaved`;
  return undefined;
}
