/**
 * The deadline reaper: instances past their hard deadline (max_lifetime, `deadline_at` in state)
 * are destroyed and forgotten. Idle teardown is the agent's job on the VM; this is the backstop
 * for a VM whose agent never ran or was stopped. It runs after any command that opened state
 * (src/cli/reap-hook.ts decides, with one indexed query), so it only loads providers when
 * something is actually due. Failures never fail the command: the record stays (status destroying,
 * with the error) and the next invocation tries again. An instance with unsaved work (or that
 * cannot be asked) is snapshotted first (reap-snapshot.ts); without a snapshot it is not destroyed.
 */
import type { Deps } from "../cli/deps.ts";
import { forgetUnsaved } from "../commands/unsaved-memory.ts";
import { providerFromDeps } from "../providers/from-deps.ts";
import type { InstanceStore } from "../state/instances.ts";
import { inProgress } from "../state/owner.ts";
import { discardInstance, goneTimeoutMs, resyncSshFiles } from "./discard.ts";
import { type ReapSnapshotOptions, saveBeforeReap, savedLine } from "./reap-snapshot.ts";

export interface Reaped {
  name: string;
  provider: string;
  deadlineAt: string;
  destroyed: string | null;
  snapshot?: { id: string; name: string };
}

export async function reapExpired(
  deps: Deps,
  store: InstanceStore,
  opts: ReapSnapshotOptions = {},
): Promise<Reaped[]> {
  const nowMs = deps.clock.now();
  // A live `up` owning an expired record is left to finish (or fail) first.
  const due = store.expired(new Date(nowMs).toISOString()).filter((r) => !inProgress(r, nowMs));
  const reaped: Reaped[] = [];
  if (due.length === 0) return reaped;
  const settings = await deps.settings();
  const gone = { clock: deps.clock, goneTimeoutMs: goneTimeoutMs(settings) };
  for (const name of new Set(due.map((r) => r.provider))) {
    let provider: Awaited<ReturnType<typeof providerFromDeps>>;
    try {
      provider = await providerFromDeps(deps, name);
    } catch (err) {
      deps.log.warn("reaper: cannot reach provider", { provider: name, error: (err as Error).message });
      continue;
    }
    for (const rec of due.filter((r) => r.provider === name)) {
      try {
        const saved = await saveBeforeReap(deps, rec, provider, opts);
        const said = savedLine(rec, saved);
        if (saved.kind === "not_saved") {
          if (deps.json) deps.log.warn(said as string, { name: rec.name });
          else deps.io.err.write(`spuff: ${said}\n`);
          continue;
        }
        const { destroyed } = await discardInstance(provider, store, rec, gone);
        forgetUnsaved(deps, rec.name);
        reaped.push({
          name: rec.name,
          provider: name,
          deadlineAt: rec.deadlineAt as string,
          destroyed,
          ...(saved.kind === "saved" ? { snapshot: saved.snapshot } : {}),
        });
        // Said on stderr even at the default log level: an instance vanishing must not be a surprise.
        const line =
          said ??
          `${rec.name} reached its max_lifetime deadline (${rec.deadlineAt}): destroyed and forgotten`;
        if (deps.json) deps.log.warn(line, { name: rec.name, deadline: rec.deadlineAt });
        else deps.io.err.write(`spuff: ${line}\n`);
      } catch (err) {
        deps.log.warn("reaper: destroying an expired instance failed; will retry", {
          name: rec.name,
          error: (err as Error).message,
        });
      }
    }
  }
  if (reaped.length > 0) resyncSshFiles(deps.paths, store, settings);
  return reaped;
}
