/**
 * `spuff list [--live]`: every instance in local state (fast: no network), with its rate and
 * what it has cost so far from cached prices. With --live, each provider is also asked (one
 * list call per provider) for the instance's status, and stale prices are read again; a
 * DigitalOcean/Hetzner machine powered off but still billed is flagged with its rate.
 */
import type { Deps } from "../cli/deps.ts";
import { printJson, renderTable } from "../core/io.ts";
import {
  type Accrued,
  accruedFor,
  accruedJson,
  accruedText,
  billedWhileOff,
  rateText,
} from "../cost/accrued.ts";
import type { Provider, ProviderInstance } from "../providers/types.ts";
import type { InstanceRecord } from "../state/types.ts";
import { instanceVolumeJson, volumeRows, volumesTable } from "./list-volumes.ts";
import { age, instanceJson } from "./present-instance.ts";
import { rememberedByName } from "./unsaved-memory.ts";

export interface ListOptions {
  live?: boolean;
}

/** The provider client by name; tests inject one (plain `list` must never call it). */
export interface ListSeams {
  providerFor?: (name: string) => Promise<Provider>;
}

interface LiveView {
  status: string;
  instance?: ProviderInstance;
}

export async function runList(deps: Deps, opts: ListOptions = {}, seams: ListSeams = {}): Promise<void> {
  const store = await deps.state();
  const records = store.list();
  // Provider modules load only for --live: plain list is benchmarked and never goes to the network.
  const providerFor = opts.live
    ? oncePerName(
        seams.providerFor ??
          (async (name: string) => (await import("../providers/from-deps.ts")).providerFromDeps(deps, name)),
      )
    : undefined;
  const now = deps.clock.now();
  // With --live the providers' lists and a stale price sheet both wait on the network: together,
  // not one after the other. The two price reads stay in order, so the second finds the sheet the
  // first cached instead of fetching it again.
  const prices = async () => {
    const accrued = await accruedFor(records, store.billing, now, providerFor);
    return {
      accrued,
      volumes: await volumeRows(store.volumes.list(), records, store.billing, now, providerFor),
    };
  };
  const [live, { accrued, volumes }] = await Promise.all([
    providerFor ? liveViews(records, providerFor) : undefined,
    prices(),
  ]);
  if (deps.json) {
    const remembered = rememberedByName(deps);
    return printJson(
      deps.io,
      records.map((r) => {
        const v = live?.get(r.id);
        const off = billedWhileOff(r.provider, v?.instance);
        const kept = remembered.get(r.name);
        return {
          ...instanceJson(r),
          volume: instanceVolumeJson(r, volumes),
          // Why it is still there: kept past its idle timeout for unsaved work (last `status`).
          kept_for_unsaved_work: kept?.kept ? { lines: kept.lines, as_of: kept.at ?? null } : null,
          ...accruedJson(accrued.get(r.id)),
          ...(live
            ? {
                provider_status: v?.status ?? "gone",
                price_hourly: v?.instance?.priceHourly ?? null,
                billed_while_off: off ?? null,
              }
            : {}),
        };
      }),
    );
  }
  if (records.length === 0) deps.io.err.write("No instances. Create one with `spuff up`.\n");
  else deps.io.out.write(live ? liveTable(records, live, accrued, now) : plainTable(records, accrued, now));
  // Kept volumes bill while no machine exists, so they show even without instances.
  if (volumes.length > 0)
    deps.io.out.write(`${records.length > 0 ? "\n" : ""}Volumes\n${volumesTable(volumes)}`);
}

function plainTable(records: InstanceRecord[], accrued: Map<string, Accrued>, now: number): string {
  return renderTable(
    ["NAME", "PROVIDER", "REGION", "SIZE", "IP", "STATUS", "AGE", "RATE", "COST"],
    records.map((r) => [
      r.name,
      r.provider,
      r.region,
      r.size,
      r.ip ?? "-",
      r.status,
      age(r.createdAt, now),
      rateText(accrued.get(r.id)),
      accruedText(accrued.get(r.id)),
    ]),
  );
}

function liveTable(
  records: InstanceRecord[],
  live: Map<string, LiveView>,
  accrued: Map<string, Accrued>,
  now: number,
): string {
  return renderTable(
    ["NAME", "PROVIDER", "IP", "STATUS", "AT PROVIDER", "RATE", "COST", "AGE"],
    records.map((r) => {
      const v = live.get(r.id);
      const off = billedWhileOff(r.provider, v?.instance);
      return [
        r.name,
        r.provider,
        r.ip ?? "-",
        r.status,
        off ? `off (${off})` : (v?.status ?? "gone"),
        rateText(accrued.get(r.id)),
        accruedText(accrued.get(r.id)),
        age(r.createdAt, now),
      ];
    }),
  );
}

/** One listInstances per provider in use; a provider that fails is shown as such, not hidden. */
async function liveViews(
  records: InstanceRecord[],
  providerFor: (name: string) => Promise<Provider>,
): Promise<Map<string, LiveView>> {
  const views = new Map<string, LiveView>();
  // Providers are separate clouds: asked at the same time, so the slowest bounds the wait, not the sum.
  const names = [...new Set(records.map((r) => r.provider))];
  await Promise.all(
    names.map(async (name) => {
      const mine = records.filter((r) => r.provider === name);
      try {
        const provider = await providerFor(name);
        const byId = new Map((await provider.listInstances()).map((i) => [i.id, i]));
        for (const r of mine) {
          const i = r.providerId ? byId.get(r.providerId) : undefined;
          if (i) views.set(r.id, { status: i.status, instance: i });
        }
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        for (const r of mine) views.set(r.id, { status: `unknown (${why})` });
      }
    }),
  );
  return views;
}

/** One client per provider name for the whole command, however many reads ask for it. */
function oncePerName(make: (name: string) => Promise<Provider>): (name: string) => Promise<Provider> {
  const made = new Map<string, Promise<Provider>>();
  return (name) => {
    let p = made.get(name);
    if (!p) {
      p = make(name);
      made.set(name, p);
    }
    return p;
  };
}
