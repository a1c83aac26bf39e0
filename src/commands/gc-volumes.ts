/**
 * `gc` and workspace volumes: data first. Volumes tagged as spuff's that local state does not
 * know (a create interrupted before its row was written, another machine's spuff, a lost state
 * file) are reported, never deleted, unless `--volumes` is given and the user confirms a question
 * that names each size and says the data goes (without a terminal: `--yes` as well). Known
 * volumes attached to nothing are listed with what they cost, so a kept volume is never invisible.
 * A volume record whose create never happened (an `up` killed between writing it and the create)
 * names nothing billable: gc forgets it, unless an `up` that may still be creating it is alive.
 */
import type { Deps } from "../cli/deps.ts";
import { confirmOnTerminal } from "../core/confirm.ts";
import { type Priced, rateJson } from "../cost/rate.ts";
import type { Provider, Volume } from "../providers/types.ts";
import type { InstanceStore } from "../state/instances.ts";
import { inProgress } from "../state/owner.ts";
import { VOLUME_LABEL } from "../up/volume-label.ts";
import { storageRates } from "./storage-rates.ts";

export interface VolumeFinding {
  provider: string;
  name: string;
  id: string;
  size_gb: number;
  attached_to: string[];
  known: boolean;
  /** The rate `spuff cost` lists for it (cost/ price book). */
  price_monthly: ReturnType<typeof rateJson>;
  outcome: "reported" | "deleted" | "kept" | "failed";
  note?: string;
}

function finding(p: string, v: Volume, known: boolean, monthly: Priced): VolumeFinding {
  return {
    provider: p,
    name: v.name,
    id: v.id,
    size_gb: v.sizeGb,
    attached_to: v.attachedTo,
    known,
    price_monthly: rateJson(monthly),
    outcome: "reported",
  };
}

/** A volume record with no provider id whose name the provider does not have either. */
export interface VolumeIntent {
  provider: string;
  name: string;
  outcome: "forgotten" | "reported";
}

export interface VolumeScan {
  findings: VolumeFinding[];
  intents: VolumeIntent[];
}

export async function scanVolumes(
  deps: Deps,
  providers: Provider[],
  store: InstanceStore,
): Promise<VolumeScan> {
  const out: VolumeFinding[] = [];
  const intents: VolumeIntent[] = [];
  for (const p of providers) {
    if (!p.volumes) continue;
    const atProvider = await p.volumes.listVolumes();
    intents.push(...neverCreated(p.name, atProvider, store, deps.clock.now()));
    const flagged = atProvider.flatMap((v) => {
      const rec = store.volumes.get(p.name, v.name);
      const known = rec !== undefined && (rec.providerId === v.id || rec.providerId === "");
      // Known and attached volumes are in use: nothing to say about them.
      return !known || v.attachedTo.length === 0 ? [{ v, known }] : [];
    });
    if (flagged.length === 0) continue;
    const prices = await storageRates(
      deps,
      p,
      "volume",
      flagged.map((f) => f.v.sizeGb),
    );
    flagged.forEach((f, i) => {
      out.push(finding(p.name, f.v, f.known, prices[i] as Priced));
    });
  }
  return { findings: out, intents };
}

/**
 * Intent rows (no provider id) of `provider` that nothing at the provider answers to, and that no
 * `up` still alive may be about to fill in (its instance record names the volume and is in progress).
 */
function neverCreated(
  provider: string,
  atProvider: Volume[],
  store: InstanceStore,
  now: number,
): VolumeIntent[] {
  const creating = store
    .list()
    .filter((r) => r.provider === provider && inProgress(r, now))
    .map((r) => r.tags[VOLUME_LABEL]);
  return store.volumes
    .list(provider)
    .filter((r) => r.providerId === "" && !atProvider.some((v) => v.name === r.name))
    .filter((r) => !creating.includes(r.name))
    .map((r) => ({ provider, name: r.name, outcome: "reported" }));
}

/** Forgets the records of volumes whose create never happened (not on --dry-run). */
export function forgetNeverCreated(
  store: InstanceStore,
  intents: VolumeIntent[],
  dryRun: boolean,
): VolumeIntent[] {
  if (dryRun) return intents;
  for (const i of intents) store.volumes.remove(i.provider, i.name);
  return intents.map((i) => ({ ...i, outcome: "forgotten" }));
}

/** Deletes unknown, detached volumes only with --volumes and a confirmation; the rest stay. */
export async function collectVolumes(
  deps: Deps,
  providers: Provider[],
  found: VolumeFinding[],
  opts: { volumes?: boolean; yes?: boolean; dryRun?: boolean },
): Promise<VolumeFinding[]> {
  const doomed = found.filter((f) => !f.known && f.attached_to.length === 0);
  if (!opts.volumes || opts.dryRun || doomed.length === 0) return found;
  const list = doomed.map((f) => `${f.name} (${f.size_gb} GB, ${f.provider})`).join(", ");
  if (!opts.yes) {
    const ok = await confirmOnTerminal(deps.io, {
      message: `Delete ${doomed.length} volume(s) unknown to state: ${list}? The data on them goes and cannot be recovered.`,
      refusal: `Not deleting volumes (${list}; their data goes) without confirmation (no terminal to ask on).`,
      hint: "Re-run with --volumes --yes to delete them, or keep them and check with `spuff volume list`.",
      canAsk: !deps.json,
    });
    if (!ok) return found.map((f) => (doomed.includes(f) ? { ...f, outcome: "kept" } : f));
  }
  const result: VolumeFinding[] = [];
  for (const f of found) {
    const p = providers.find((x) => x.name === f.provider);
    if (!doomed.includes(f) || !p?.volumes) {
      result.push(f);
      continue;
    }
    try {
      await p.volumes.deleteVolume(f.id);
      result.push({ ...f, outcome: "deleted" });
    } catch (err) {
      result.push({ ...f, outcome: "failed", note: err instanceof Error ? err.message : String(err) });
    }
  }
  return result;
}

export function describeVolumes(
  deps: Deps,
  found: VolumeFinding[],
  intents: VolumeIntent[],
  withVolumes: boolean,
): void {
  for (const i of intents) {
    const done = i.outcome === "forgotten" ? "forgotten" : "would be forgotten (dry run)";
    deps.io.err.write(
      `· volume ${i.name} (${i.provider}): its create never happened, ${i.provider} has no such volume — record ${done}\n`,
    );
  }
  for (const f of found) {
    const price = f.price_monthly.known ? `, ${f.price_monthly.text}` : "";
    const what = f.known
      ? "kept, attached to nothing"
      : `tagged as spuff's but unknown to state${f.attached_to.length ? `, attached to ${f.attached_to.join(",")}` : ""}`;
    const next =
      f.outcome === "deleted"
        ? " — deleted"
        : f.outcome === "failed"
          ? ` — delete failed: ${f.note}`
          : !f.known && f.attached_to.length === 0 && !withVolumes
            ? " — kept; delete with `spuff gc --volumes`"
            : "";
    deps.io.err.write(`· volume ${f.name} (${f.size_gb} GB, ${f.provider}${price}): ${what}${next}\n`);
  }
}
