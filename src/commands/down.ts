/**
 * `spuff down NAME`: destroy the cloud instance, then forget it locally. An instance that is
 * already gone at the provider counts as destroyed (the contract makes destroy idempotent).
 */
import type { Deps } from "../cli/deps.ts";
import { NotFoundError } from "../core/errors.ts";
import { printJson } from "../core/io.ts";
import { providerFromDeps } from "../providers/from-deps.ts";
import { hostEntries, syncSshFiles } from "../ssh/sync-files.ts";

export interface DownOptions {
  /** Forget the local record even if the provider call fails (e.g. the account was closed). */
  force?: boolean;
}

export async function runDown(deps: Deps, name: string, opts: DownOptions = {}): Promise<void> {
  const store = await deps.state();
  const rec = store.getByName(name);
  if (!rec)
    throw new NotFoundError("Instance", name, { hint: "See `spuff list` for the instances spuff knows." });
  let warning: string | undefined;
  if (rec.providerId) {
    store.update(rec.id, { status: "destroying" });
    try {
      const provider = await providerFromDeps(deps, rec.provider);
      await provider.destroyInstance(rec.providerId);
    } catch (err) {
      if (!opts.force) {
        store.update(rec.id, { status: "failed", error: err instanceof Error ? err.message : String(err) });
        throw err;
      }
      warning = `the provider call failed (${err instanceof Error ? err.message : String(err)}); forgetting it anyway (--force)`;
      deps.log.warn("destroy failed, --force given", { name, providerId: rec.providerId });
    }
  }
  store.remove(rec.id);
  // Its Host block and pinned key leave ~/.ssh's view with it.
  const settings = await deps.settings();
  syncSshFiles(
    deps.paths,
    hostEntries(store.list(), { identityFile: settings.sshKeyPath, forwardAgent: settings.forwardAgent }),
  );
  if (deps.json)
    return printJson(deps.io, {
      name,
      destroyed: warning === undefined,
      forgotten: true,
      ...(warning ? { warning } : {}),
    });
  if (warning) deps.io.err.write(`Warning: ${warning}\n`);
  deps.io.out.write(`Destroyed ${name}\n`);
}
