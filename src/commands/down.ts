/**
 * `spuff down [name] [--snapshot] [--force] [--yes]`: optionally snapshot, destroy at the
 * provider, wait until the provider itself reports the instance gone, then forget it locally and
 * drop its ssh_config entry. An instance already gone counts as destroyed (idempotent). Asks first
 * on a terminal; without one it refuses unless --yes or --force says the user meant it. Before
 * either, the unsaved-work guard (unsaved-guard.ts): work that exists only on the machine stops
 * `down` unless the user accepts its loss (a question, or --discard-unsaved) or --snapshot keeps it.
 */
import type { Deps } from "../cli/deps.ts";
import { confirmOnTerminal } from "../core/confirm.ts";
import { CancelledError, StateError } from "../core/errors.ts";
import { printJson } from "../core/io.ts";
import { destroyConfirmed, goneTimeoutMs, resyncSshFiles } from "../gc/discard.ts";
import { providerFromDeps } from "../providers/from-deps.ts";
import { ownerAlive } from "../state/owner.ts";
import type { InstanceRecord } from "../state/types.ts";
import { runPreDown } from "./down-hook.ts";
import {
  confirmDeleteVolume,
  settleVolume,
  type VolumeOutcome,
  volumeLine,
  volumeOf,
  withoutVolume,
} from "./down-volume.ts";
import { resolveInstance } from "./resolve-instance.ts";
import { type ScrubFn, snapshotInstance } from "./snapshot.ts";
import type { CheckUnsavedFn } from "./unsaved-check.ts";
import { guardDown } from "./unsaved-guard.ts";
import { forgetUnsaved } from "./unsaved-memory.ts";

export interface DownOptions {
  /** Forget the local record even if the provider call fails (e.g. the account was closed). Implies --yes. */
  force?: boolean;
  /** Do not ask for confirmation. */
  yes?: boolean;
  /** Snapshot before destroying; a failed snapshot stops `down` (the disk would be lost). */
  snapshot?: boolean;
  /** How secrets leave the machine before the snapshot (default: over SSH); tests inject it. */
  scrub?: ScrubFn;
  /** Also delete the instance's workspace volume (asks, naming its size; no terminal: --yes too). */
  deleteVolume?: boolean;
  /** How long the provider may take to report the instance gone (default: 2 × the API timeout, ≥ 60 s). */
  goneTimeoutMs?: number;
  /** Destroy even with work that exists only on the machine (the guard does not ask). */
  discardUnsaved?: boolean;
  /** How the machine is asked for unsaved work (default: GET /unsaved over SSH); tests inject it. */
  checkUnsaved?: CheckUnsavedFn;
}

export async function runDown(deps: Deps, name: string | undefined, opts: DownOptions = {}): Promise<void> {
  const rec = await resolveInstance(deps, name);
  // Until the provider id is saved, only the `up` creating the record knows whether an instance
  // exists: forgetting the record under it would leave that instance unknown to state.
  if (!rec.providerId && rec.owner && ownerAlive(rec.owner) === true)
    throw new StateError(
      "instance_being_created",
      `${rec.name} is still being created (spuff up, pid ${rec.owner.pid}).`,
      {
        hint: "Press Ctrl-C in that `spuff up` (it destroys what it made), or run `spuff down` again once it has finished.",
      },
    );
  // A machine that never became ready never held the user's work.
  const guard = rec.readyAt
    ? // A volume down keeps holds the work; one --delete-volume deletes does not: guard it then.
      await guardDown(deps, opts.deleteVolume ? withoutVolume(rec) : rec, {
        ...(opts.discardUnsaved ? { discard: true } : {}),
        ...(opts.snapshot ? { snapshot: true } : {}),
        ...(opts.checkUnsaved ? { check: opts.checkUnsaved } : {}),
      })
    : "skipped";
  if (!opts.yes && !opts.force && guard !== "asked") await confirmDown(deps, rec);
  if (opts.deleteVolume) await confirmDeleteVolume(deps, rec, opts);
  const store = await deps.state();
  let warning: string | undefined;
  let snapshot: { id: string; name: string } | undefined;
  let volume: VolumeOutcome | undefined;
  // spuff.yaml's hooks.pre_down, before anything is destroyed (never blocks it).
  const preDown = rec.providerId ? await runPreDown(deps, rec) : undefined;
  if (rec.providerId) {
    const provider = await providerFromDeps(deps, rec.provider);
    if (opts.snapshot) {
      if (!deps.json) deps.io.err.write(`Snapshotting ${rec.name} before destroying it…\n`);
      const s = await snapshotInstance(deps, rec, provider, undefined, {
        destroying: true,
        ...(opts.scrub ? { scrub: opts.scrub } : {}),
      });
      snapshot = { id: s.id, name: s.name };
    }
    store.update(rec.id, { status: "destroying" });
    try {
      const s = await deps.settings({ provider: rec.provider as never });
      await destroyConfirmed(provider, rec.providerId, {
        clock: deps.clock,
        goneTimeoutMs: opts.goneTimeoutMs ?? goneTimeoutMs(s),
      });
    } catch (err) {
      if (!opts.force) {
        store.update(rec.id, { status: "failed", error: err instanceof Error ? err.message : String(err) });
        throw err;
      }
      warning = `the provider call failed (${err instanceof Error ? err.message : String(err)}); forgetting it anyway (--force)`;
      deps.log.warn("destroy failed, --force given", { name: rec.name, providerId: rec.providerId });
    }
    // The workspace volume outlives the instance: confirmed detached and intact, or deleted.
    if (warning === undefined && volumeOf(rec))
      volume = await settleVolume(provider, store, rec, {
        delete: opts.deleteVolume === true,
        instanceId: rec.providerId,
        clock: deps.clock,
      });
  }
  store.remove(rec.id);
  forgetUnsaved(deps, rec.name);
  // Its Host block and pinned key leave ~/.ssh's view with it.
  resyncSshFiles(deps.paths, store, await deps.settings());
  if (deps.json)
    return printJson(deps.io, {
      name: rec.name,
      destroyed: warning === undefined,
      confirmed_gone: warning === undefined,
      forgotten: true,
      ...(snapshot ? { snapshot } : {}),
      ...(volume ? { volume } : {}),
      ...(preDown ? { pre_down: preDown } : {}),
      ...(warning ? { warning } : {}),
    });
  if (warning) deps.io.err.write(`Warning: ${warning}\n`);
  if (snapshot) deps.io.out.write(`Saved snapshot ${snapshot.id} (${snapshot.name})\n`);
  deps.io.out.write(`Destroyed ${rec.name}\n`);
  if (volume) deps.io.out.write(volumeLine(volume, rec.provider));
}

async function confirmDown(deps: Deps, rec: InstanceRecord): Promise<void> {
  const ok = await confirmOnTerminal(deps.io, {
    message: `Destroy ${rec.name} (${rec.provider}${rec.providerId ? ` ${rec.providerId}` : ""})? Its disk is lost unless you pass --snapshot${volumeOf(rec) ? `; volume ${volumeOf(rec)} (~/workspace) is kept` : ""}.`,
    refusal: `Not destroying ${rec.name} without confirmation (no terminal to ask on).`,
    hint: `Re-run with --yes: spuff down ${rec.name} --yes`,
  });
  if (!ok) throw new CancelledError(`Kept ${rec.name}.`);
}
