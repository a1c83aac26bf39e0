/** `spuff snapshot create|list|delete`: instance snapshots on the provider. */
import type { Deps } from "../cli/deps.ts";
import type { ProviderName } from "../config/schema.ts";
import { UserError } from "../core/errors.ts";
import { printJson, renderTable } from "../core/io.ts";
import { providerFromDeps } from "../providers/from-deps.ts";
import type { Provider, Snapshot } from "../providers/types.ts";
import type { InstanceRecord } from "../state/types.ts";
import { restoreAfterSnapshot, scrubForSnapshot } from "../up/snapshot-scrub.ts";
import { connectToInstance } from "./connect-instance.ts";
import { resolveInstance } from "./resolve-instance.ts";

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

/** `NAME-YYYYMMDD-HHMMSS` (UTC): lowercase, digits and '-', valid on every provider. */
export function defaultSnapshotName(instance: string, nowMs: number): string {
  const t = new Date(nowMs).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${instance}-${t}`.toLowerCase();
}

/** Snapshot one recorded instance; resolves when the provider says the snapshot is usable. */
export async function snapshotInstance(
  deps: Deps,
  rec: InstanceRecord,
  provider: Provider,
  name?: string,
  /** scrub: injectable so command tests without a machine can see the order of events. */
  opts: { destroying?: boolean; scrub?: ScrubFn } = {},
): Promise<Snapshot> {
  if (!rec.providerId)
    throw new UserError(
      "instance_not_created",
      `Instance ${rec.name} has no provider id: nothing to snapshot.`,
      {
        hint: "It never got past the create call; see `spuff status` for what happened.",
      },
    );
  // The machine's tokens and secret env leave its disk first (up/snapshot-scrub.ts); they come
  // back afterwards unless the machine is about to be destroyed (`down --snapshot`).
  const scrubbed = await (opts.scrub ?? scrubOverSsh)(deps, rec);
  let keep = false;
  try {
    deps.log.info("creating snapshot", { name: rec.name, snapshot: name });
    const snap = await provider.createSnapshot(
      rec.providerId,
      name ?? defaultSnapshotName(rec.name, deps.clock.now()),
    );
    keep = opts.destroying === true;
    return snap;
  } finally {
    if (!keep)
      await scrubbed.restore().catch((err: Error) =>
        deps.log.warn("could not put the machine's secrets back after the snapshot", {
          error: err.message,
        }),
      );
    await scrubbed.close();
  }
}

/** Secrets moved off a machine's disk, and the way to put them back. */
export interface Scrubbed {
  restore(): Promise<void>;
  close(): Promise<void>;
}
export type ScrubFn = (deps: Deps, rec: InstanceRecord) => Promise<Scrubbed>;

const scrubOverSsh: ScrubFn = async (deps, rec) => {
  const conn = await connectToInstance(deps, rec);
  const timeoutMs = (await deps.settings({ provider: rec.provider as never })).timeouts.execMs;
  try {
    await scrubForSnapshot(conn, timeoutMs);
  } catch (err) {
    await restoreAfterSnapshot(conn, timeoutMs).catch(() => undefined);
    await conn.close();
    throw err;
  }
  return { restore: () => restoreAfterSnapshot(conn, timeoutMs), close: () => conn.close() };
};

export async function runSnapshotCreate(
  deps: Deps,
  instance: string | undefined,
  opts: { name?: string; scrub?: ScrubFn } = {},
): Promise<void> {
  const rec = await resolveInstance(deps, instance);
  const provider = await providerFromDeps(deps, rec.provider);
  if (!deps.json) deps.io.err.write(`Snapshotting ${rec.name} (this can take minutes)…\n`);
  const snap = await snapshotInstance(
    deps,
    rec,
    provider,
    opts.name,
    opts.scrub ? { scrub: opts.scrub } : {},
  );
  if (deps.json) return printJson(deps.io, { instance: rec.name, provider: provider.name, snapshot: snap });
  deps.io.out.write(`Created snapshot ${snap.id} (${snap.name}) of ${rec.name}\n`);
}
