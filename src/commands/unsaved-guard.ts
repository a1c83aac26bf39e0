/**
 * `down`'s guard against losing work: before anything is destroyed, the machine is asked what
 * would be lost. Nothing: on to the usual confirmation. Something (or no answer): on a terminal
 * the list per repository and one question (default no) that replaces the usual one; without a
 * terminal, or with --json, a refusal that carries the list and the ways out.
 */
import type { Deps } from "../cli/deps.ts";
import { confirmOnTerminal } from "../core/confirm.ts";
import { CancelledError, UserError } from "../core/errors.ts";
import type { InstanceRecord } from "../state/types.ts";
import {
  type CheckUnsavedFn,
  checkUnsavedOverSsh,
  unsavedLines,
  unsavedRepos,
  workspaceOnVolume,
} from "./unsaved-check.ts";

export interface GuardOptions {
  /** --discard-unsaved: the user knows and accepts the loss. */
  discard?: boolean;
  /** --snapshot: the disk (and the work on it) is kept in a snapshot. */
  snapshot?: boolean;
  check?: CheckUnsavedFn;
}

/** Resolves "asked" when the user already said yes to losing the work (no second question). */
export async function guardDown(
  deps: Deps,
  rec: InstanceRecord,
  o: GuardOptions,
): Promise<"clean" | "asked" | "skipped"> {
  if (o.discard || o.snapshot || !rec.providerId || workspaceOnVolume(rec)) return "skipped";
  const check = await (o.check ?? checkUnsavedOverSsh)(deps, rec);
  const lines = unsavedLines(check);
  if (lines.length === 0) return "clean";
  const list = lines.map((l) => `  ${l}`).join("\n");
  const hint = `Commit and push it (spuff ssh ${rec.name}), keep it in a snapshot (spuff down ${rec.name} --snapshot), or lose it: spuff down ${rec.name} --discard-unsaved`;
  if (!deps.json) deps.io.err.write(`${rec.name} has work that is not saved anywhere else:\n${list}\n`);
  const ok = await confirmOnTerminal(deps.io, {
    message: `Destroy ${rec.name} and lose this work?`,
    refusal: `Not destroying ${rec.name}: it has unsaved work.${deps.json ? `\n${list}` : ""}`,
    hint,
    canAsk: !deps.json,
  }).catch((err: unknown) => {
    // The refusal, as data for --json and scripts: exit 1 with the list.
    throw new UserError("unsaved_work", (err as Error).message, {
      hint,
      details: { unsaved: lines, repos: unsavedRepos(check) },
    });
  });
  if (!ok) throw new CancelledError(`Kept ${rec.name}.`);
  return "asked";
}
