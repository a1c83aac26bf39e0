/**
 * The workspace volumes `spuff list` shows after the instances: what state knows of each (size,
 * the instance it is attached to) and its monthly price from the same price book as
 * `spuff volume list`. Plain `list` stays offline: without a provider the price book comes from
 * the cache and the vendored table only, so a missing or stale cache shows as unknown (never 0);
 * `list --live` may read the provider's API.
 */
import { renderTable } from "../core/io.ts";
import { formatRate, type Priced, rateJson } from "../cost/rate.ts";
import type { Provider } from "../providers/types.ts";
import type { BillingStore } from "../state/billing.ts";
import type { InstanceRecord } from "../state/types.ts";
import type { VolumeRecord } from "../state/volumes.ts";
import { VOLUME_LABEL } from "../up/volume-label.ts";
import { storageRatesFrom } from "./storage-rates.ts";

export interface VolumeRow {
  volume: VolumeRecord;
  /** The instance in state whose workspace it is; undefined: kept detached. */
  attachedTo: string | undefined;
  monthly: Priced;
}

export async function volumeRows(
  volumes: VolumeRecord[],
  records: InstanceRecord[],
  billing: BillingStore,
  now: number,
  /** Undefined (plain `list`): prices from the cache and the vendored table only. */
  provider: ((name: string) => Promise<Provider>) | undefined,
): Promise<VolumeRow[]> {
  const rows: VolumeRow[] = [];
  for (const name of new Set(volumes.map((v) => v.provider))) {
    const mine = volumes.filter((x) => x.provider === name);
    const source = { billing, now, ...(provider ? { provider: () => provider(name) } : {}) };
    const rates = await storageRatesFrom(
      name,
      source,
      "volume",
      mine.map((v) => v.sizeGb),
    );
    for (const [i, v] of mine.entries()) {
      const on = records.find((r) => r.provider === name && r.tags[VOLUME_LABEL] === v.name);
      rows.push({ volume: v, attachedTo: on?.name, monthly: rates[i] as Priced });
    }
  }
  return rows;
}

export function volumesTable(rows: VolumeRow[]): string {
  return renderTable(
    ["NAME", "PROVIDER", "SIZE", "ATTACHED TO", "PRICE"],
    rows.map((r) => [
      r.volume.name,
      r.volume.provider,
      `${r.volume.sizeGb} GB`,
      r.attachedTo ?? "-",
      formatRate(r.monthly),
    ]),
  );
}

/** The `volume` field of an instance in `list --json`: its workspace volume, or null. */
export function instanceVolumeJson(rec: InstanceRecord, rows: VolumeRow[]) {
  const name = rec.tags[VOLUME_LABEL];
  if (name === undefined) return null;
  const row = rows.find((r) => r.volume.provider === rec.provider && r.volume.name === name);
  return {
    name,
    size_gb: row?.volume.sizeGb ?? null,
    price_monthly: row ? rateJson(row.monthly) : null,
  };
}
