/** `spuff volume list|resize|rm`: spuff's workspace volumes at the provider. */
import type { Deps } from "../cli/deps.ts";
import type { ProviderName } from "../config/schema.ts";
import { confirmOnTerminal } from "../core/confirm.ts";
import { CancelledError, NotFoundError, UserError } from "../core/errors.ts";
import { printJson, renderTable } from "../core/io.ts";
import { formatRate, type Priced, rateJson } from "../cost/rate.ts";
import { providerFromDeps } from "../providers/from-deps.ts";
import type { Volume } from "../providers/types.ts";
import { VOLUME_ACTION_TIMEOUT_MS, volumeOps } from "../up/volume.ts";
import { checkVolumeName, checkVolumeSize } from "../volumes/spec.ts";
import { storageRates } from "./storage-rates.ts";

export interface VolumeOptions {
  provider?: ProviderName;
  yes?: boolean;
}

function volumeJson(v: Volume, monthly: Priced, known: boolean) {
  return {
    id: v.id,
    name: v.name,
    size_gb: v.sizeGb,
    region: v.region,
    attached_to: v.attachedTo,
    created_at: v.createdAt,
    device: v.devicePath,
    // The same rate `spuff cost` lists for it (unknown, with the reason, never 0).
    price_monthly: rateJson(monthly),
    // Known to local state (made by this spuff); gc reports the others.
    known,
  };
}

export async function runVolumeList(deps: Deps, opts: VolumeOptions = {}): Promise<void> {
  const provider = await providerFromDeps(deps, opts.provider);
  const vols = await volumeOps(provider).listVolumes();
  const store = await deps.state();
  const prices = await storageRates(
    deps,
    provider,
    "volume",
    vols.map((v) => v.sizeGb),
  );
  const rows = vols.map((v, i) =>
    volumeJson(v, prices[i] as Priced, store.volumes.get(provider.name, v.name) !== undefined),
  );
  if (deps.json) return printJson(deps.io, rows);
  if (rows.length === 0) {
    deps.io.err.write(`No spuff volumes on ${provider.name}.\n`);
    return;
  }
  deps.io.out.write(
    renderTable(
      ["NAME", "SIZE", "REGION", "ATTACHED TO", "PRICE", "ID"],
      rows.map((r, i) => [
        r.name,
        `${r.size_gb} GB`,
        r.region,
        r.attached_to.join(",") || "-",
        formatRate(prices[i] as Priced),
        r.id,
      ]),
    ),
  );
}

async function find(deps: Deps, name: string, opts: VolumeOptions) {
  const provider = await providerFromDeps(deps, opts.provider);
  const ops = volumeOps(provider);
  const v = await ops.findVolume(checkVolumeName(name));
  if (!v)
    throw new NotFoundError("volume", name, {
      hint: `See them with: spuff volume list --provider ${provider.name}`,
    });
  return { provider, ops, v };
}

export async function runVolumeResize(
  deps: Deps,
  name: string,
  gb: string,
  opts: VolumeOptions = {},
): Promise<void> {
  const size = checkVolumeSize(Number(gb));
  const { provider, ops, v } = await find(deps, name, opts);
  if (size <= v.sizeGb)
    throw new UserError("volume_shrink", `Volume ${name} has ${v.sizeGb} GB; volumes only grow.`, {
      hint: `Give a size above ${v.sizeGb}, e.g. spuff volume resize ${name} ${v.sizeGb * 2}`,
    });
  const grown = await ops.resizeVolume(v.id, size, { timeoutMs: VOLUME_ACTION_TIMEOUT_MS });
  const store = await deps.state();
  const known = store.volumes.get(provider.name, name);
  if (known) store.volumes.put({ ...known, sizeGb: grown.sizeGb });
  if (deps.json) {
    const [monthly] = await storageRates(deps, provider, "volume", [grown.sizeGb]);
    return printJson(deps.io, volumeJson(grown, monthly as Priced, known !== undefined));
  }
  deps.io.out.write(
    `Volume ${name} is now ${grown.sizeGb} GB; its filesystem grows on the next \`spuff up --volume ${name}\`\n`,
  );
}

export async function runVolumeRm(deps: Deps, name: string, opts: VolumeOptions = {}): Promise<void> {
  const { provider, ops, v } = await find(deps, name, opts);
  if (v.attachedTo.length > 0)
    throw new UserError(
      "volume_in_use",
      `Volume ${name} is attached to instance ${v.attachedTo.join(", ")}.`,
      {
        hint: "Destroy that instance first (`spuff down`, or `spuff down --delete-volume` to delete both).",
      },
    );
  if (!opts.yes) {
    const ok = await confirmOnTerminal(deps.io, {
      message: `Delete volume ${name} (${v.sizeGb} GB, ${provider.name})? The data on it goes and cannot be recovered.`,
      refusal: `Not deleting volume ${name} (${v.sizeGb} GB, its data goes) without confirmation (no terminal to ask on).`,
      hint: `Re-run with --yes: spuff volume rm ${name} --yes`,
      canAsk: !deps.json,
    });
    if (!ok) throw new CancelledError(`Kept volume ${name}.`);
  }
  await ops.deleteVolume(v.id);
  const still = (await ops.listVolumes()).some((x) => x.id === v.id);
  if (still)
    throw new UserError("volume_not_deleted", `The provider still lists volume ${name} after deleting it.`, {
      hint: "Run `spuff volume list` in a minute and try again.",
    });
  (await deps.state()).volumes.remove(provider.name, name);
  if (deps.json) return printJson(deps.io, { name, id: v.id, deleted: true, provider: provider.name });
  deps.io.out.write(`Deleted volume ${name} (${v.sizeGb} GB); ${provider.name} no longer lists it\n`);
}
