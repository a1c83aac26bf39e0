/** `spuff snapshot list|delete`: the account's instance snapshots on the configured provider. */
import type { Deps } from "../cli/deps.ts";
import type { ProviderName } from "../config/schema.ts";
import { printJson, renderTable } from "../core/io.ts";
import { providerFromDeps } from "../providers/from-deps.ts";

export interface SnapshotOptions {
  provider?: ProviderName;
}

export async function runSnapshotList(deps: Deps, opts: SnapshotOptions = {}): Promise<void> {
  const provider = await providerFromDeps(deps, opts.provider);
  const snaps = await provider.listSnapshots();
  if (deps.json) return printJson(deps.io, snaps);
  if (snaps.length === 0) {
    deps.io.err.write(`No snapshots on ${provider.name}.\n`);
    return;
  }
  const rows = snaps.map((s) => [s.id, s.name, `${s.sizeGb} GB`, s.regions.join(","), s.createdAt]);
  deps.io.out.write(renderTable(["ID", "NAME", "SIZE", "REGIONS", "CREATED"], rows));
}

export async function runSnapshotDelete(deps: Deps, id: string, opts: SnapshotOptions = {}): Promise<void> {
  const provider = await providerFromDeps(deps, opts.provider);
  // Idempotent by contract: deleting a snapshot that is already gone succeeds.
  await provider.deleteSnapshot(id);
  if (deps.json) return printJson(deps.io, { id, deleted: true, provider: provider.name });
  deps.io.out.write(`Deleted snapshot ${id}\n`);
}
