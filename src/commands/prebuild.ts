/**
 * `spuff prebuild [--provider P]`: the project's environment baked into a snapshot that `up`
 * boots (commands/up-prebuild.ts). A machine goes through `up`'s own plan and phases with only
 * what a prebuild holds (config and project bundles, packages, `prebuild:` steps; no clones, setup
 * commands, hooks or dotfiles), the bundles settle, every machine or user secret is removed
 * (prebuild/scrub.ts), the snapshot is named by the environment's key, and the machine is
 * destroyed: on success, on failure and on Ctrl-C, so nothing billable is left but the snapshot.
 */
import fs from "node:fs";
import type { Deps } from "../cli/deps.ts";
import type { ProviderName } from "../config/schema.ts";
import { CancelledError, UserError } from "../core/errors.ts";
import { discardInstance, goneTimeoutMs, resyncSshFiles } from "../gc/discard.ts";
import { matchPrebuild, superseded } from "../prebuild/catalog.ts";
import type { PrebuildKey } from "../prebuild/key.ts";
import { scrubForPrebuild } from "../prebuild/scrub.ts";
import { waitBundlesSettled } from "../prebuild/settle.ts";
import { providerFromDeps } from "../providers/from-deps.ts";
import type { Provider, Snapshot } from "../providers/types.ts";
import type { Connection } from "../ssh/connection.ts";
import type { InstanceStore } from "../state/instances.ts";
import { findAgentBundle } from "../up/agent-install.ts";
import { applyUp } from "../up/apply.ts";
import { remoteSteps } from "../up/environment.ts";
import { isUpInterrupted, trapInterrupts, untilAborted } from "../up/interrupt.ts";
import { phasesFor } from "../up/phases.ts";
import { ensureProjectTrusted } from "./trust.ts";
import { enforceBudget } from "./up-budget.ts";
import { applyDepsFor } from "./up-deps.ts";
import { type CommandPlan, planFromCommand, prebuildKeyOf, replan } from "./up-plan.ts";
import { createUpProgress } from "./up-progress.ts";

export interface PrebuildOptions {
  provider?: ProviderName;
}

/** Bounds the wait for config bundles (they are bounded at 2 h on the machine too). */
const BUNDLES_SETTLE_MS = 2 * 3600_000;

export async function runPrebuild(deps: Deps, opts: PrebuildOptions = {}): Promise<void> {
  const first = await planFromCommand(deps, "prebuild", opts, { prebuild: true });
  const { project, settings } = first;
  if (!project) {
    throw new UserError(
      "no_project",
      "spuff prebuild needs a spuff.yaml (none here or in a parent directory).",
      {
        hint: "Run it in the project's directory; a spuff.yaml lists the bundles, packages and prebuild: steps to bake in.",
      },
    );
  }
  const key = prebuildKeyOf(first);
  if (!key) {
    throw new UserError("prebuild_empty", `${project.file} has nothing a prebuild would hold.`, {
      hint: "A prebuild holds bundles, packages and prebuild: steps; add some to spuff.yaml (or tools in config).",
    });
  }
  await ensureProjectTrusted(deps, project);
  const provider = await providerFromDeps(deps, settings.provider);
  const existing = matchPrebuild(await provider.listSnapshots(), key.name);
  if (existing) return report(deps, key, existing, { fresh: false, removed: [] });

  const planned = replan(deps, first, {
    name: `prebuild-${key.project.slice(0, 20)}-${key.hash.slice(0, 8)}`,
  });
  planned.environment = { ...planned.environment, prebuildOnly: true };
  const store = await deps.state();
  if (store.getByName(planned.plan.name)) {
    throw new UserError("instance_exists", `A prebuild machine ${planned.plan.name} is already recorded.`, {
      hint: `Another prebuild of this environment is running, or one was left behind: spuff down ${planned.plan.name}`,
    });
  }
  // The prebuild machine is billed like any other: the budget check holds for it too.
  await enforceBudget(deps, settings, planned.plan, provider, store, false);
  const snap = await bake(deps, provider, store, planned, key);
  const removed = await removeSuperseded(provider, settings.prebuildKeep, key.project);
  report(deps, key, snap, { fresh: true, removed });
}

/** Up, settle, scrub, snapshot; the machine is destroyed whatever happens. */
async function bake(
  deps: Deps,
  provider: Provider,
  store: InstanceStore,
  planned: CommandPlan,
  key: PrebuildKey,
): Promise<Snapshot> {
  const { settings, plan, environment } = planned;
  const agentBundle = findAgentBundle(deps.env);
  const say = (line: string) => {
    if (!deps.json) deps.io.err.write(`${line}\n`);
  };
  say(`Prebuilding ${key.name} on ${provider.name} (machine ${plan.name}; destroyed afterwards)`);
  const progress = await createUpProgress(deps, phasesFor(environment));
  const trap = trapInterrupts((line) => deps.io.err.write(line));
  let conn: Connection | undefined;
  let failure: unknown;
  try {
    const result = await applyUp(
      { ...planned, agentBundle },
      applyDepsFor(deps, settings, { provider, store, progress, signal: trap.signal }),
    ).finally(() => progress.end());
    conn = result.conn;
    const live = conn;
    if (result.setup && !result.setup.ok) {
      const f = result.setup.failed;
      throw new UserError("prebuild_step_failed", `Prebuild step ${f?.id ?? "?"} failed: ${f?.name ?? "?"}`, {
        hint: `No prebuild was taken; the machine is destroyed.${result.setup.logTail?.length ? `\n--- last lines ---\n${result.setup.logTail.join("\n")}` : ""}`,
      });
    }
    if (environment.background.length > 0) {
      say(`Waiting for the bundles: ${environment.background.join(", ")}`);
      await untilAborted(
        waitBundlesSettled(() => remoteSteps(live, "bundles", deps.clock), {
          clock: deps.clock,
          timeoutMs: BUNDLES_SETTLE_MS,
          expected: environment.background.length,
        }),
        trap.signal,
      );
    }
    say("Removing the machine's keys, tokens and secrets");
    await untilAborted(scrubForPrebuild(live, settings.timeouts.execMs), trap.signal);
    say(`Snapshotting as ${key.name} (this can take minutes)…`);
    // Not abandoned on Ctrl-C: a snapshot in progress still lands, and is then deleted below.
    const snap = await provider.createSnapshot(result.record.providerId as string, key.name);
    if (trap.signal.aborted) {
      await provider.deleteSnapshot(snap.id);
      throw trap.signal.reason;
    }
    return snap;
  } catch (err) {
    failure = err;
    throw isUpInterrupted(err) || trap.signal.aborted
      ? new CancelledError(
          `spuff prebuild interrupted (${trap.received() ?? "SIGINT"}): no prebuild was taken; the machine is destroyed.`,
        )
      : err;
  } finally {
    await conn?.close().catch(() => undefined);
    try {
      await destroyMachine(deps, provider, store, plan.name);
      say(`Destroyed ${plan.name}`);
    } catch (cause) {
      // Still in state (status destroying): `spuff gc` finishes it. Said after the first error.
      const why = cause instanceof Error ? cause.message : String(cause);
      if (failure) deps.log.warn("could not destroy the prebuild machine", { name: plan.name, error: why });
      // biome-ignore lint/correctness/noUnsafeFinally: a machine left billable outranks the result
      throw new UserError(
        "prebuild_cleanup_failed",
        `Could not destroy the prebuild machine ${plan.name}: ${why}`,
        {
          hint: `It is still in local state: retry with \`spuff gc\` or \`spuff down ${plan.name}\`.`,
        },
      );
    } finally {
      trap.dispose();
    }
  }
}

/** Destroy and forget the prebuild machine (if it got as far as a record), and its folder. */
async function destroyMachine(deps: Deps, provider: Provider, store: InstanceStore, name: string) {
  const settings = await deps.settings({ provider: provider.name as ProviderName });
  const rec = store.getByName(name);
  if (rec)
    await discardInstance(provider, store, rec, {
      clock: deps.clock,
      goneTimeoutMs: goneTimeoutMs(settings),
    });
  // Its agent token (host side): the machine is gone, so is the token's use.
  fs.rmSync(deps.paths.instanceDir(name), { recursive: true, force: true });
  resyncSshFiles(deps.paths, store, settings);
}

/** A project's prebuilds beyond `prebuild.keep` (newest first), removed; their names. */
export async function removeSuperseded(
  provider: Provider,
  keep: number,
  project?: string,
): Promise<Snapshot[]> {
  const old = superseded(await provider.listSnapshots(), keep, project);
  for (const s of old) await provider.deleteSnapshot(s.id);
  return old;
}

function report(deps: Deps, key: PrebuildKey, snap: Snapshot, o: { fresh: boolean; removed: Snapshot[] }) {
  if (deps.json) {
    deps.io.out.write(
      `${JSON.stringify({
        event: "prebuild",
        created: o.fresh,
        id: snap.id,
        name: snap.name,
        project: key.project,
        hash: key.hash,
        size_gb: snap.sizeGb,
        regions: snap.regions,
        superseded_removed: o.removed.map((s) => ({ id: s.id, name: s.name })),
      })}\n`,
    );
    return;
  }
  deps.io.out.write(
    o.fresh
      ? `Prebuilt ${snap.name} (id ${snap.id}, ${snap.sizeGb} GB); \`spuff up\` here boots it.\n`
      : `Prebuild ${snap.name} (id ${snap.id}) is up to date; \`spuff up\` here boots it.\n`,
  );
  for (const s of o.removed) deps.io.err.write(`Removed superseded prebuild ${s.name} (id ${s.id})\n`);
}
