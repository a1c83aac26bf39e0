/**
 * `spuff status [name] [--local] [--detailed]`: the instance as spuff remembers it, as the
 * provider sees it (status, hourly price) and as its agent reports it (uptime, idle time,
 * bootstrap; with --detailed also /metrics and /idle: resources and the idle countdown), the agent
 * reached through the pinned SSH connection with the instance's token. Each remote view that
 * cannot be had is reported as such, never silently left out.
 */
import type { Deps } from "../cli/deps.ts";
import { formatDuration } from "../core/duration.ts";
import { printJson } from "../core/io.ts";
import { visibleLine as printable } from "../core/visible.ts";
import { accruedFor, accruedJson, accruedText, billedWhileOff, rateText } from "../cost/accrued.ts";
import { providerFromDeps } from "../providers/from-deps.ts";
import type { ProviderInstance } from "../providers/types.ts";
import type { InstanceRecord } from "../state/types.ts";
import { withAgent } from "./agent-session.ts";
import type { Checklist } from "./logs-steps.ts";
import { age, instanceJson } from "./present-instance.ts";
import { resolveInstance } from "./resolve-instance.ts";
import { checklistRows } from "./status-checklist.ts";
import { firewallJson, firewallRows } from "./status-firewall.ts";
import {
  type ProviderView,
  providerJson,
  providerStatusText,
  type SpotInterruption,
  spotRow,
} from "./status-spot.ts";
import { rememberUnsaved } from "./unsaved-memory.ts";

export interface StatusOptions {
  /** Only local state: no provider or agent call. */
  local?: boolean;
  /** Also the agent's /metrics and /idle. */
  detailed?: boolean;
}

/** The fields of the agent's /metrics and /idle that status renders (the JSON carries all). */
interface Metrics {
  cpu_usage_percent: number;
  memory_used_bytes: number;
  memory_total_bytes: number;
  disk_used_bytes: number;
  disk_total_bytes: number;
  load_average: number[];
}
interface Idle {
  idle_seconds: number;
  idle_timeout_seconds: number;
  deadline: string | null;
  deadline_reason: string | null;
  seconds_until_deadline: number | null;
  teardown: string;
  /** Why a machine past its idle deadline still runs (agent/unsaved-guard.ts); absent on older agents. */
  kept?: { reason: string; since: string; detail: string[] } | null;
}

interface AgentView {
  status: {
    uptime_seconds: number;
    idle_seconds: number;
    bootstrap_status: string;
    cloud_init_done: boolean;
    agent_version: string;
    /** Spot machines only. */
    spot_interruption?: SpotInterruption | null;
  };
  idle?: Idle;
  /** From /idle on every status: the machine is kept running for unsaved work. */
  kept?: NonNullable<Idle["kept"]>;
  metrics?: Metrics;
  /** GET /bootstrap: every bundle and setup step (absent from agents older than the route). */
  bootstrap?: Checklist;
}

type Remote<T> = { ok: true; value: T } | { ok: false; error: string };

const attempt = async <T>(work: () => Promise<T>): Promise<Remote<T>> => {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
};

export async function runStatus(
  deps: Deps,
  name: string | undefined,
  opts: StatusOptions = {},
): Promise<void> {
  const r = await resolveInstance(deps, name);
  const provider =
    opts.local || !r.providerId
      ? undefined
      : await attempt(() => providerView(deps, r, opts.detailed === true));
  const agent =
    opts.local || r.status !== "ready"
      ? undefined
      : await attempt(() =>
          agentView(
            deps,
            r,
            opts.detailed === true,
            provider?.ok ? provider.value.instance?.priceHourly : undefined,
          ),
        );
  const accrued = await accruedOf(deps, r, opts.local === true);
  const off = provider?.ok ? billedWhileOff(r.provider, provider.value.instance) : undefined;
  if (deps.json) {
    return printJson(deps.io, {
      instance: instanceJson(r),
      ...accruedJson(accrued),
      billed_while_off: off ?? null,
      ...(provider
        ? {
            provider: provider.ok
              ? {
                  ...providerJson(provider.value),
                  ...(provider.value.firewalls ? { firewalls: firewallJson(provider.value.firewalls) } : {}),
                }
              : { error: provider.error },
          }
        : {}),
      ...(agent
        ? {
            agent: agent.ok
              ? { reachable: true, token_accepted: true, ...agent.value }
              : { reachable: false, error: agent.error },
          }
        : {}),
    });
  }
  const now = deps.clock.now();
  const rows: [string, string][] = [
    ["Name", r.name],
    ["Status", r.status + (r.phase ? ` (phase: ${r.phase})` : "")],
    ["Provider", `${r.provider}${r.providerId ? ` (id ${r.providerId})` : ""}`],
    ["Region / size", `${r.region} / ${r.size}`],
    [
      "Image",
      r.tags["spuff-prebuild"] ? `prebuild ${r.tags["spuff-prebuild"]} (${r.image})` : (r.image ?? "-"),
    ],
    ["Address", r.ip ? `${r.sshUser}@${r.ip}${r.sshPort === 22 ? "" : `:${r.sshPort}`}` : "-"],
    ["Age", age(r.createdAt, now)],
  ];
  if (r.deadlineAt)
    rows.push([
      "Deadline",
      `${r.deadlineAt} (in ${formatDuration(Math.max(0, Date.parse(r.deadlineAt) - now))})`,
    ]);
  if (r.idleTimeoutMs) rows.push(["Idle timeout", formatDuration(r.idleTimeoutMs)]);
  if (provider) {
    rows.push([
      "At provider",
      provider.ok ? providerStatusText(provider.value) : `unknown (${provider.error})`,
    ]);
    if (off) rows.push(["Billing", `${off}: \`spuff down ${r.name}\` ends it`]);
    if (provider.ok && provider.value.firewalls) rows.push(...firewallRows(provider.value.firewalls));
  }
  rows.push(["Rate", rateText(accrued)], ["Cost so far", accruedText(accrued)]);
  if (agent) {
    if (agent.ok) {
      const s = agent.value.status;
      rows.push(["Agent", `v${s.agent_version}, up ${formatDuration(s.uptime_seconds * 1000)}`]);
      rows.push(["Idle for", formatDuration(s.idle_seconds * 1000)]);
      const k = agent.value.kept;
      // The agent's words reach the terminal: escaped and bounded.
      if (k)
        rows.push([
          "Kept running",
          printable(`past its idle timeout since ${k.since}: unsaved work (${k.detail.join("; ")})`, 1000),
        ]);
      rows.push(["Bootstrap", `${s.bootstrap_status}${s.cloud_init_done ? ", cloud-init done" : ""}`]);
      const spot = spotRow(s.spot_interruption);
      if (spot) rows.push(spot);
      if (agent.value.bootstrap) rows.push(...checklistRows(agent.value.bootstrap, r.name));
      rows.push(...detailRows(agent.value));
    } else {
      rows.push(["Agent", `unreachable (${agent.error})`]);
    }
  }
  if (r.error) rows.push(["Last error", r.error]);
  const keptPrice = provider?.ok ? provider.value.instance?.priceHourly : undefined;
  if (keptPrice && agent?.ok && agent.value.kept)
    rows.push(["Costs", `${keptPrice.amount} ${keptPrice.currency}/hour while kept`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  deps.io.out.write(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n")}\n`);
}

/** The rate and cost so far; prices read again from the provider unless --local. */
async function accruedOf(deps: Deps, r: InstanceRecord, local: boolean) {
  const store = await deps.state();
  const fetch = local ? undefined : (name: string) => providerFromDeps(deps, name);
  return (await accruedFor([r], store.billing, deps.clock.now(), fetch)).get(r.id);
}

async function providerView(deps: Deps, r: InstanceRecord, detailed: boolean): Promise<ProviderView> {
  const provider = await providerFromDeps(deps, r.provider);
  const id = r.providerId as string;
  const instance = await provider.getInstance(id);
  if (instance) {
    if (!detailed || !provider.firewalls) return { instance };
    return { instance, firewalls: await provider.firewalls(id) };
  }
  // Gone: say why while the provider still knows (AWS reclaiming a spot machine, above all).
  const ended = await provider.endReason?.(id).catch(() => undefined);
  return { instance, ...(ended ? { ended } : {}) };
}

async function agentView(
  deps: Deps,
  r: InstanceRecord,
  detailed: boolean,
  price: ProviderInstance["priceHourly"] | undefined,
): Promise<AgentView> {
  const view = await withAgent(deps, r, async (agent) => {
    const [status, idle, metrics, bootstrap] = await Promise.all([
      agent.get<AgentView["status"]>("/status"),
      agent.get<Idle>("/idle").catch(() => undefined),
      detailed ? agent.get<Metrics>("/metrics") : undefined,
      agent.get<Checklist>("/bootstrap").catch(() => undefined),
    ]);
    return {
      status,
      ...(idle && detailed ? { idle } : {}),
      ...(idle?.kept ? { kept: idle.kept } : {}),
      ...(metrics ? { metrics } : {}),
      ...(bootstrap ? { bootstrap } : {}),
    };
  });
  // What every later command's one-line notice reads (cli/kept-notice.ts): no network there.
  rememberUnsaved(deps, r.name, {
    lines: view.kept?.detail ?? [],
    kept: view.kept !== undefined,
    price_hourly: price ?? null,
  });
  return view;
}

const GB = 1024 ** 3;
const gb = (bytes: number) => `${(bytes / GB).toFixed(1)} GB`;
const pct = (used: number, total: number) => (total > 0 ? ` (${Math.round((100 * used) / total)} %)` : "");

/** --detailed rows: resources from /metrics, the idle countdown from /idle. */
export function detailRows(v: AgentView): [string, string][] {
  const rows: [string, string][] = [];
  if (v.idle) {
    const i = v.idle;
    rows.push([
      "Next teardown",
      i.deadline === null || i.seconds_until_deadline === null
        ? "none scheduled"
        : `${i.teardown} in ${formatDuration(i.seconds_until_deadline * 1000)} (${i.deadline_reason}, at ${i.deadline})`,
    ]);
  }
  if (v.metrics) {
    const m = v.metrics;
    rows.push(["CPU", `${m.cpu_usage_percent} %, load ${m.load_average.map((x) => x.toFixed(2)).join(" ")}`]);
    rows.push([
      "Memory",
      `${gb(m.memory_used_bytes)} of ${gb(m.memory_total_bytes)}${pct(m.memory_used_bytes, m.memory_total_bytes)}`,
    ]);
    rows.push([
      "Disk",
      `${gb(m.disk_used_bytes)} of ${gb(m.disk_total_bytes)}${pct(m.disk_used_bytes, m.disk_total_bytes)}`,
    ]);
  }
  return rows;
}
