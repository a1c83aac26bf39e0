/**
 * `down` and an instance's workspace volume (the record's spuff-volume label): the volume stays
 * by default, and after the instance is gone the provider's API must show it detached and the
 * same size; `--delete-volume` deletes it only after a confirmation naming its size and that the
 * data goes (without a terminal: `--yes` plus the flag), then checks the provider lists it no more.
 */
import type { Deps } from "../cli/deps.ts";
import type { Clock } from "../core/clock.ts";
import { confirmOnTerminal } from "../core/confirm.ts";
import { CancelledError, UsageError, UserError } from "../core/errors.ts";
import type { Provider, Volume } from "../providers/types.ts";
import { ACTION_BACKOFF, waitFor } from "../providers/wait.ts";
import type { InstanceStore } from "../state/instances.ts";
import type { InstanceRecord } from "../state/types.ts";
import { VOLUME_ACTION_TIMEOUT_MS, VOLUME_LABEL, volumeOps } from "../up/volume.ts";

export interface VolumeOutcome {
  name: string;
  id: string;
  size_gb: number;
  /** kept: detached and intact per the API; deleted: the provider lists it no more. */
  state: "kept" | "deleted" | "missing";
}

export const volumeOf = (rec: InstanceRecord): string | undefined => rec.tags[VOLUME_LABEL];

/** The record as the unsaved-work guard must see it when the volume goes too. */
export const withoutVolume = (rec: InstanceRecord): InstanceRecord => {
  const { [VOLUME_LABEL]: _gone, ...tags } = rec.tags;
  return { ...rec, tags };
};

/** Before anything is destroyed: --delete-volume is confirmed (or refused) up front. */
export async function confirmDeleteVolume(
  deps: Deps,
  rec: InstanceRecord,
  opts: { yes?: boolean; force?: boolean },
): Promise<void> {
  const name = volumeOf(rec);
  if (!name)
    throw new UsageError(`${rec.name} has no workspace volume to delete.`, {
      hint: `Leave out --delete-volume; a volume without an instance goes with: spuff volume rm NAME`,
    });
  const known = (await deps.state()).volumes.get(rec.provider, name);
  const size = known ? `${known.sizeGb} GB` : "its";
  if (opts.yes || opts.force) return;
  const ok = await confirmOnTerminal(deps.io, {
    message: `Also delete volume ${name} (${size}) with ${rec.name}? The data on it goes and cannot be recovered.`,
    refusal: `Not deleting volume ${name} (${size}, its data goes) without confirmation (no terminal to ask on).`,
    hint: `Re-run with --yes as well: spuff down ${rec.name} --delete-volume --yes`,
    canAsk: !deps.json,
  });
  if (!ok) throw new CancelledError(`Kept ${rec.name} and volume ${name}.`);
}

/** After the instance is gone: confirm the volume detached and intact, or delete it. */
export async function settleVolume(
  provider: Provider,
  store: InstanceStore,
  rec: InstanceRecord,
  o: { delete: boolean; instanceId: string | null; clock: Clock },
): Promise<VolumeOutcome | undefined> {
  const name = volumeOf(rec);
  if (!name) return undefined;
  const ops = volumeOps(provider);
  const known = store.volumes.get(provider.name, name);
  const found = await ops.findVolume(name);
  if (!found) {
    if (o.delete) store.volumes.remove(provider.name, name);
    return { name, id: known?.providerId ?? "", size_gb: known?.sizeGb ?? 0, state: "missing" };
  }
  // The provider detaches a destroyed instance's volumes; wait until its API says so.
  const detached = o.instanceId
    ? await waitFor<Volume | undefined>({
        clock: o.clock,
        timeoutMs: VOLUME_ACTION_TIMEOUT_MS,
        what: `volume ${name} to be detached`,
        backoff: ACTION_BACKOFF,
        tolerateRetryable: true,
        poll: () => ops.findVolume(name),
        isDone: (v) => !v?.attachedTo.includes(o.instanceId as string),
      })
    : found;
  if (!detached) return { name, id: found.id, size_gb: found.sizeGb, state: "missing" };
  if (known && detached.sizeGb < known.sizeGb)
    throw new UserError(
      "volume_changed",
      `Volume ${name} now reports ${detached.sizeGb} GB, not ${known.sizeGb}.`,
    );
  if (!o.delete) return { name, id: detached.id, size_gb: detached.sizeGb, state: "kept" };
  await ops.deleteVolume(detached.id);
  if ((await ops.listVolumes()).some((v) => v.id === detached.id))
    throw new UserError("volume_not_deleted", `The provider still lists volume ${name} after deleting it.`, {
      hint: "Run `spuff volume list` in a minute, then `spuff volume rm` again.",
    });
  store.volumes.remove(provider.name, name);
  return { name, id: detached.id, size_gb: detached.sizeGb, state: "deleted" };
}

export function volumeLine(v: VolumeOutcome, provider: string): string {
  if (v.state === "deleted")
    return `Deleted volume ${v.name} (${v.size_gb} GB); ${provider} no longer lists it\n`;
  if (v.state === "missing") return `Volume ${v.name} was not found at ${provider}\n`;
  return `Kept volume ${v.name} (${v.size_gb} GB): detached and intact per ${provider}; \`spuff up --volume ${v.name}\` brings it back\n`;
}
