/**
 * What `status` says about spot machines: AWS's reason when it took the machine back (from the
 * provider: EC2's StateReason, kept about an hour after termination) and the agent's report of
 * the interruption notice while the machine still runs (what the notice said, what pre_down did).
 */
import type { FirewallView } from "../providers/firewall.ts";
import type { EndReason, ProviderInstance } from "../providers/types.ts";

/** The agent's GET /status `spot_interruption` (null on a spot machine before any notice). */
export interface SpotInterruption {
  action: string;
  time: string;
  noticed_at: string;
  pre_down: { status: string; exit_code: number | null; detail?: string };
}

export interface ProviderView {
  instance: ProviderInstance | undefined;
  /** Why a gone instance ended, when the provider still says. */
  ended?: EndReason;
  /** --detailed, on a provider with firewalls, for an instance that exists. */
  firewalls?: FirewallView[];
}

export function providerJson(v: ProviderView) {
  const p = v.instance;
  if (!p)
    return {
      exists: false,
      ...(v.ended
        ? {
            reclaimed: v.ended.kind === "reclaimed",
            end_reason: { code: v.ended.code, message: v.ended.message },
          }
        : {}),
    };
  return {
    exists: true,
    status: p.status,
    ip: p.ip,
    price_hourly: p.priceHourly ?? null,
    ...(p.spot ? { spot: true } : {}),
  };
}

export function providerStatusText(v: ProviderView): string {
  if (v.instance) return `${v.instance.status}${v.instance.spot ? " (spot)" : ""}`;
  if (v.ended?.kind === "reclaimed") return `gone: reclaimed by AWS (spot interruption, ${v.ended.code})`;
  return v.ended ? `gone (${v.ended.message})` : "gone";
}

export function spotRow(s: SpotInterruption | null | undefined): [string, string] | undefined {
  if (s === undefined) return undefined;
  if (s === null) return ["Spot", "no interruption notice from AWS"];
  const hook = `pre_down ${s.pre_down.status}${s.pre_down.exit_code === null ? "" : ` (exit ${s.pre_down.exit_code})`}${s.pre_down.detail ? `: ${s.pre_down.detail}` : ""}`;
  return ["Spot", `AWS is reclaiming it (${s.action} at ${s.time}, noticed ${s.noticed_at}); ${hook}`];
}
