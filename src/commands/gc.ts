/**
 * `spuff gc [--dry-run] [--yes] [--json] [--provider P]`: find and remove what spuff left behind —
 * instances with spuff's tag that state does not know (orphans), records whose instance is gone,
 * intent records whose create never produced anything, instances of `up`s that died mid-way,
 * powered-off and expired instances. The logic is in src/gc/; this file picks providers, asks
 * for confirmation and renders. Records a live `up` in another process owns are never touched.
 */
import type { Deps } from "../cli/deps.ts";
import type { ProviderName } from "../config/schema.ts";
import { confirmOnTerminal } from "../core/confirm.ts";
import { UserError } from "../core/errors.ts";
import { printJson, renderTable } from "../core/io.ts";
import type { Garbage, InProgress } from "../gc/classify.ts";
import { type Applied, applyGarbage, scanProvider } from "../gc/collect.ts";
import { goneTimeoutMs, resyncSshFiles } from "../gc/discard.ts";
import { providerFromDeps } from "../providers/from-deps.ts";
import type { Provider } from "../providers/types.ts";
import { collectVolumes, describeVolumes, forgetNeverCreated, scanVolumes } from "./gc-volumes.ts";
import {
  type CheckUnsavedFn,
  checkUnsavedOverSsh,
  unsavedLines,
  workspaceOnVolume,
} from "./unsaved-check.ts";
import { forgetUnsaved } from "./unsaved-memory.ts";

export interface GcOptions {
  dryRun?: boolean;
  yes?: boolean;
  provider?: ProviderName;
  /** Remove live instances even when they hold unsaved work (lost). */
  discardUnsaved?: boolean;
  /** How a live instance is asked for unsaved work (default: GET /unsaved over SSH); tests inject it. */
  checkUnsaved?: CheckUnsavedFn;
  /** Also delete tagged volumes unknown to state (asks, naming sizes; no terminal: --yes). */
  volumes?: boolean;
}

interface Scanned {
  provider: Provider;
  garbage: Garbage[];
  inProgress: InProgress[];
}

export async function runGc(deps: Deps, opts: GcOptions = {}): Promise<void> {
  const store = await deps.state();
  const settings = await deps.settings(opts.provider ? { provider: opts.provider } : {});
  // Every provider state mentions, plus the configured one (orphans live where spuff creates).
  const names = opts.provider
    ? [opts.provider]
    : [...new Set([settings.provider, ...store.list().map((r) => r.provider)])];

  const scanned: Scanned[] = [];
  const unreachable: { provider: string; error: string }[] = [];
  for (const name of names) {
    try {
      const provider = await providerFromDeps(deps, name);
      scanned.push({ provider, ...(await scanProvider(provider, store, deps.clock.now())) });
    } catch (err) {
      // With --provider the user asked for exactly this one: its failure is the command's.
      if (opts.provider) throw err;
      unreachable.push({ provider: name, error: err instanceof Error ? err.message : String(err) });
    }
  }
  const found = scanned.flatMap((s) => s.garbage);
  const inProgress = scanned.flatMap((s) => s.inProgress);

  if (!deps.json) describe(deps, found, inProgress, unreachable);
  let results: (Garbage & Applied & { error?: string })[] = [];
  if (!opts.dryRun && found.length > 0 && (await confirmed(deps, opts, found.length))) {
    results = await applyAll(deps, scanned, opts);
  }
  // Volumes: reported always, deleted only with --volumes and their own confirmation.
  const providers = scanned.map((s) => s.provider);
  const scan = await scanVolumes(deps, providers, store);
  const volumes = await collectVolumes(deps, providers, scan.findings, opts);
  const intents = forgetNeverCreated(store, scan.intents, opts.dryRun === true);
  if (!deps.json) describeVolumes(deps, volumes, intents, opts.volumes === true);
  if (deps.json) {
    printJson(deps.io, {
      dry_run: opts.dryRun === true,
      volumes,
      volume_intents: intents,
      found: found.map(garbageJson),
      in_progress: inProgress,
      unreachable,
      results: results.map((r) => ({
        ...garbageJson(r),
        outcome: r.outcome,
        note: r.note ?? r.error ?? null,
      })),
    });
  } else {
    for (const r of results) {
      const note = r.error ?? r.note;
      deps.io.err.write(
        `${r.error ? "✗" : "✓"} ${r.name} (${r.kind}): ${r.outcome}${note ? ` — ${note}` : ""}\n`,
      );
    }
  }
  const failed = results.filter((r) => r.error);
  if (failed.length > 0) {
    throw new UserError("gc_incomplete", `${failed.length} of ${results.length} could not be removed.`, {
      hint: "Recorded ones stay in local state (status destroying), orphans at the provider: run `spuff gc` again.",
      details: { failed: failed.map((f) => ({ name: f.name, error: f.error })) },
    });
  }
  if (unreachable.length > 0) {
    throw new UserError(
      "gc_incomplete",
      `Could not check ${unreachable.map((u) => u.provider).join(", ")}.`,
      {
        hint: "Fix the provider's credentials or network, or limit gc with --provider.",
        details: { unreachable },
      },
    );
  }
}

/**
 * The unsaved-work guard for a live instance spuff knows (and that was once ready): what it would
 * lose, one line per repository, or [] when it may go. Orphans cannot be asked (no pinned key).
 */
async function unsavedOf(deps: Deps, g: Garbage, opts: GcOptions): Promise<string[]> {
  if (opts.discardUnsaved || !g.recordId || !g.instanceId || g.providerStatus !== "active") return [];
  const rec = (await deps.state()).get(g.recordId);
  if (!rec?.readyAt || workspaceOnVolume(rec)) return [];
  return unsavedLines(await (opts.checkUnsaved ?? checkUnsavedOverSsh)(deps, rec));
}

async function applyAll(deps: Deps, scanned: Scanned[], opts: GcOptions) {
  const store = await deps.state();
  const settings = await deps.settings();
  const gone = { clock: deps.clock, goneTimeoutMs: goneTimeoutMs(settings) };
  const results: (Garbage & Applied & { error?: string })[] = [];
  for (const s of scanned) {
    for (const g of s.garbage) {
      const unsaved = await unsavedOf(deps, g, opts);
      if (unsaved.length > 0) {
        const note = `kept, unsaved work: ${unsaved.join("; ")} (spuff down ${g.name} --snapshot, or gc --discard-unsaved)`;
        results.push({ ...g, outcome: "skipped", note });
        continue;
      }
      try {
        results.push({ ...g, ...(await applyGarbage(g, s.provider, store, gone)) });
      } catch (err) {
        results.push({ ...g, outcome: "skipped", error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  for (const r of results) if (r.recordId && r.outcome !== "skipped") forgetUnsaved(deps, r.name);
  if (results.some((r) => r.recordId && r.outcome !== "skipped")) {
    resyncSshFiles(deps.paths, store, settings);
  }
  return results;
}

/** TTY: ask. Otherwise --yes is required (exit 2 with a hint), so a script never destroys by accident. */
async function confirmed(deps: Deps, opts: GcOptions, count: number): Promise<boolean> {
  if (opts.yes) return true;
  const ok = await confirmOnTerminal(deps.io, {
    message: `Destroy/forget these ${count}?`,
    refusal: `gc found ${count} item(s) to remove and needs confirmation.`,
    hint: "Re-run with --yes to remove them, or with --dry-run to only list them.",
    canAsk: !deps.json,
  });
  if (!ok) deps.io.err.write("Nothing changed.\n");
  return ok;
}

function describe(
  deps: Deps,
  found: Garbage[],
  inProgress: InProgress[],
  unreachable: { provider: string; error: string }[],
) {
  for (const u of unreachable) deps.io.err.write(`! ${u.provider}: not checked (${u.error})\n`);
  for (const i of inProgress) {
    deps.io.err.write(
      `· ${i.name} (${i.provider}): left alone, an \`up\`${i.pid ? ` (pid ${i.pid})` : ""} is still working on it\n`,
    );
  }
  if (found.length === 0) {
    deps.io.err.write("Nothing to collect.\n");
    return;
  }
  deps.io.out.write(
    renderTable(
      ["KIND", "NAME", "PROVIDER", "INSTANCE", "ACTION", "WHY"],
      found.map((g) => [g.kind, g.name, g.provider, g.instanceId ?? "-", action(g), g.reason]),
    ),
  );
}

function action(g: Garbage): string {
  if (g.recordId === null) return "destroy";
  return g.instanceId ? "destroy + forget" : "forget";
}

function garbageJson(g: Garbage) {
  return {
    kind: g.kind,
    name: g.name,
    provider: g.provider,
    instance_id: g.instanceId,
    record_id: g.recordId,
    provider_status: g.providerStatus,
    action: action(g),
    reason: g.reason,
  };
}
