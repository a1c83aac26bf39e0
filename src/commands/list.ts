/**
 * `spuff list [--live]`: every instance in local state (fast: no network). With --live, each
 * provider is also asked (one list call per provider) for the instance's status and hourly price.
 */
import type { Deps } from "../cli/deps.ts";
import { printJson, renderTable } from "../core/io.ts";
import type { InstanceRecord } from "../state/types.ts";
import { age, instanceJson, instanceTable } from "./present-instance.ts";

export interface ListOptions {
  live?: boolean;
}

interface LiveView {
  status: string;
  price: { amount: number; currency: string } | null;
}

export async function runList(deps: Deps, opts: ListOptions = {}): Promise<void> {
  const records = (await deps.state()).list();
  const live = opts.live ? await liveViews(deps, records) : undefined;
  if (deps.json) {
    return printJson(
      deps.io,
      records.map((r) => {
        const v = live?.get(r.id);
        return {
          ...instanceJson(r),
          ...(live ? { provider_status: v?.status ?? "gone", price_hourly: v?.price ?? null } : {}),
        };
      }),
    );
  }
  if (records.length === 0) {
    deps.io.err.write("No instances. Create one with `spuff up`.\n");
    return;
  }
  if (!live) return void deps.io.out.write(instanceTable(records, deps.clock.now()));
  const now = deps.clock.now();
  deps.io.out.write(
    renderTable(
      ["NAME", "PROVIDER", "IP", "STATUS", "AT PROVIDER", "PRICE/H", "AGE"],
      records.map((r) => {
        const v = live.get(r.id);
        const price = v?.price ? `${v.price.amount} ${v.price.currency}` : "-";
        return [r.name, r.provider, r.ip ?? "-", r.status, v?.status ?? "gone", price, age(r.createdAt, now)];
      }),
    ),
  );
}

/** One listInstances per provider in use; a provider that fails is shown as such, not hidden. */
async function liveViews(deps: Deps, records: InstanceRecord[]): Promise<Map<string, LiveView>> {
  const { providerFromDeps } = await import("../providers/from-deps.ts");
  const views = new Map<string, LiveView>();
  for (const name of new Set(records.map((r) => r.provider))) {
    const mine = records.filter((r) => r.provider === name);
    try {
      const provider = await providerFromDeps(deps, name);
      const byId = new Map((await provider.listInstances()).map((i) => [i.id, i]));
      for (const r of mine) {
        const i = r.providerId ? byId.get(r.providerId) : undefined;
        if (i) views.set(r.id, { status: i.status, price: i.priceHourly ?? null });
      }
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      for (const r of mine) views.set(r.id, { status: `unknown (${why})`, price: null });
    }
  }
  return views;
}
