/**
 * The agent's background loop: every tick it samples activity, asks the pure decision function
 * what to do, and hands warnings/actions to the executor. Decisions are kept in a small log that
 * GET /idle shows, so "why did my machine stop?" has an answer.
 */
import type { Clock } from "../core/clock.ts";
import { type ActivityProbeOptions, probeActivity } from "./activity-probe.ts";
import type { AgentSettings } from "./config.ts";
import { type CpuSample, cpuSustained, type IdleTracker } from "./idle.ts";
import { type Decision, decideTeardown } from "./teardown.ts";
import type { TeardownExecutor } from "./teardown-executor.ts";
import { type UnsavedGuard, unsavedGraceMs } from "./unsaved-guard.ts";

export interface DecisionLogEntry {
  at: string;
  event: "warn" | "act" | "cancelled" | "error" | "kept" | "released";
  detail: string;
}

export interface SupervisorOptions {
  clock: Clock;
  settings: AgentSettings;
  tracker: IdleTracker;
  probe: ActivityProbeOptions;
  executor: TeardownExecutor;
  reaperTokenAvailable: () => Promise<boolean>;
  cpuPercent: () => Promise<number>;
  cpuThreshold?: number;
  cpuWindowMs?: number;
  /** Keeps a machine with unsaved work from an idle teardown; absent: no guard (unit tests). */
  guard?: UnsavedGuard;
}

type Act = Extract<Decision, { kind: "act" }>;

const LOG_SIZE = 50;

export function createSupervisor(o: SupervisorOptions) {
  const threshold = o.cpuThreshold ?? 30;
  const windowMs = o.cpuWindowMs ?? 120_000;
  const log: DecisionLogEntry[] = [];
  const cpu: CpuSample[] = [];
  let warnedDeadline: number | null = null;
  let acted = false;
  let last: Decision = { kind: "none", deadline: null, reason: null };
  const note = (event: DecisionLogEntry["event"], detail: string) => {
    log.push({ at: new Date(o.clock.now()).toISOString(), event, detail });
    if (log.length > LOG_SIZE) log.shift();
  };

  async function tick(): Promise<Decision> {
    const now = o.clock.now();
    await probeActivity(o.probe, o.tracker, now);
    cpu.push({ at: now, percent: await o.cpuPercent().catch(() => 0) });
    while (cpu.length > 0 && cpu[0]!.at < now - 2 * windowMs) cpu.shift();
    if (cpuSustained(cpu, now, threshold, windowMs)) o.tracker.observe("cpu", now, `>= ${threshold}%`);
    const snap = o.tracker.snapshot(now);
    let d = decideTeardown({
      now,
      settings: o.settings,
      lastActivity: snap.last_activity,
      reaperTokenAvailable: await o.reaperTokenAvailable(),
      warnedDeadline,
    });
    if (warnedDeadline !== null && d.deadline !== warnedDeadline && d.kind !== "act") {
      note("cancelled", "activity resumed; the warned deadline moved");
      warnedDeadline = null;
    }
    if (d.kind === "warn") {
      warnedDeadline = d.deadline;
      note("warn", d.message);
      await o.executor.wall(d.message).catch((e: Error) => note("error", `wall failed: ${e.message}`));
    } else if (d.kind === "act" && !acted) {
      const guarded = await guard(d, now);
      if (guarded === "kept") {
        last = d;
        return d;
      }
      d = guarded;
      acted = true;
      note("act", `${d.reason}: ${d.action} (${d.note})`);
      await execute(d).catch((e: Error) => {
        acted = false; // retried next tick
        note("error", `teardown failed: ${e.message}`);
      });
    }
    last = d;
    return d;
  }

  /**
   * Unsaved work keeps the machine from an idle teardown. At max_lifetime it is kept for a grace
   * (agent.json unsaved_grace_seconds, default 6 h) so the CLI's reaper, on the user's next
   * command, can snapshot it over SSH before it destroys it (src/gc/reaper.ts); after the grace
   * the hard limit wins and the teardown runs as configured: that bound is documented.
   */
  async function guard(d: Act, now: number): Promise<Act | "kept"> {
    if (!o.guard) return d;
    if (d.reason === "max_lifetime" && now >= d.deadline + unsavedGraceMs(o.settings)) return d;
    const { detail, checked_at } = await o.guard.unsaved(now);
    if (detail.length === 0) {
      if (o.guard.release()) note("released", "no unsaved work left");
      return d;
    }
    const { changed } = o.guard.keep(now, detail, checked_at);
    const why = d.reason === "idle_timeout" ? "idle_timeout" : "max_lifetime (grace for the CLI's snapshot)";
    if (changed) note("kept", `${why}: kept running for unsaved work: ${detail.join("; ")}`);
    return "kept";
  }

  async function execute(d: Extract<Decision, { kind: "act" }>) {
    const at = new Date(o.clock.now()).toISOString();
    await o.executor.recordReason({ at, reason: d.reason, action: d.action, note: d.note }).catch(() => {});
    if (d.action === "delete-via-api") {
      try {
        await o.executor.deleteViaApi(o.settings);
        return;
      } catch (e) {
        note("error", `API delete failed, powering off instead: ${(e as Error).message}`);
      }
    }
    await o.executor.poweroff();
  }

  return {
    tick,
    state: () => ({ last, warnedDeadline, decisions: [...log], kept: o.guard?.kept() ?? null }),
    /** Runs tick every `intervalMs` until aborted; one failing tick never stops the loop. */
    async run(intervalMs: number, signal: AbortSignal) {
      while (!signal.aborted) {
        await tick().catch((e: Error) => note("error", `tick failed: ${e.message}`));
        await o.clock.sleep(intervalMs, signal).catch(() => {});
      }
    },
  };
}

export type Supervisor = ReturnType<typeof createSupervisor>;
