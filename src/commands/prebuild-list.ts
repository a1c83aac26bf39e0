/**
 * `spuff prebuild list|rm|gc`: the prebuilds at a provider (snapshots named by an environment's
 * key, prebuild/catalog.ts) with their size, removing one, and removing those a newer prebuild of
 * the same project superseded (`prebuild.keep`, default 1). The monthly price of each comes from the
 * cost registry's price book (cost/: the provider's published per-GB price, cached, or vendored).
 */
import type { Deps } from "../cli/deps.ts";
import type { ProviderName } from "../config/schema.ts";
import { UserError } from "../core/errors.ts";
import { printJson, renderTable } from "../core/io.ts";
import { formatRate, type Priced, rateJson } from "../cost/rate.ts";
import { type Prebuild, prebuildsOf } from "../prebuild/catalog.ts";
import { providerFromDeps } from "../providers/from-deps.ts";
import { removeSuperseded } from "./prebuild.ts";
import { storageRates } from "./storage-rates.ts";

export interface PrebuildListOptions {
  provider?: ProviderName;
}

const json = (p: Prebuild, monthly?: Priced) => ({
  id: p.id,
  name: p.name,
  project: p.project,
  hash: p.hash16,
  size_gb: p.sizeGb,
  regions: p.regions,
  created_at: p.createdAt,
  ...(monthly ? { monthly: rateJson(monthly) } : {}),
});

export async function runPrebuildList(deps: Deps, opts: PrebuildListOptions = {}): Promise<void> {
  const provider = await providerFromDeps(deps, opts.provider);
  const list = prebuildsOf(await provider.listSnapshots());
  const prices = await storageRates(
    deps,
    provider,
    "snapshot",
    list.map((p) => p.sizeGb),
  );
  if (deps.json)
    return printJson(
      deps.io,
      list.map((p, i) => json(p, prices[i])),
    );
  if (list.length === 0) {
    deps.io.err.write(
      `No prebuilds on ${provider.name}. Make one in a project's directory: spuff prebuild\n`,
    );
    return;
  }
  const rows = list.map((p, i) => [
    p.id,
    p.project,
    p.hash16,
    `${p.sizeGb} GB`,
    formatRate(prices[i] as Priced),
    p.regions.join(","),
    p.createdAt,
  ]);
  deps.io.out.write(renderTable(["ID", "PROJECT", "HASH", "SIZE", "MONTHLY", "REGIONS", "CREATED"], rows));
}

export async function runPrebuildRm(
  deps: Deps,
  ids: string[],
  opts: PrebuildListOptions = {},
): Promise<void> {
  const provider = await providerFromDeps(deps, opts.provider);
  const list = prebuildsOf(await provider.listSnapshots());
  // Every argument is checked before anything is removed: a typo removes nothing.
  const targets = ids.map((id) => {
    const p = list.find((x) => x.id === id || x.name === id);
    if (!p) {
      throw new UserError("prebuild_not_found", `No prebuild ${JSON.stringify(id)} on ${provider.name}.`, {
        hint: "See them with `spuff prebuild list`; other snapshots are removed with `spuff snapshot delete`.",
      });
    }
    return p;
  });
  for (const p of targets) await provider.deleteSnapshot(p.id);
  if (deps.json) return printJson(deps.io, { provider: provider.name, removed: targets.map((p) => json(p)) });
  for (const p of targets) deps.io.out.write(`Removed prebuild ${p.name} (id ${p.id})\n`);
}

export async function runPrebuildGc(
  deps: Deps,
  opts: PrebuildListOptions & { keep?: string } = {},
): Promise<void> {
  const settings = await deps.settings(opts.provider ? { provider: opts.provider } : {});
  const keep = opts.keep === undefined ? settings.prebuildKeep : Number(opts.keep);
  if (!Number.isInteger(keep) || keep < 1 || keep > 100) {
    throw new UserError(
      "bad_keep",
      `--keep ${JSON.stringify(opts.keep)} is not a whole number from 1 to 100.`,
      {
        hint: "The newest prebuild of each project is always kept: --keep 1 removes all older ones.",
      },
    );
  }
  const provider = await providerFromDeps(deps, settings.provider);
  const removed = prebuildsOf(await removeSuperseded(provider, keep));
  if (deps.json)
    return printJson(deps.io, { provider: provider.name, keep, removed: removed.map((p) => json(p)) });
  if (removed.length === 0) deps.io.err.write(`Nothing superseded (keeping ${keep} per project).\n`);
  for (const p of removed) deps.io.out.write(`Removed superseded prebuild ${p.name} (id ${p.id})\n`);
}
