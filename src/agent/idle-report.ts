/** GET /idle: why the machine is (not) considered idle, and what will happen when. */
import type { AgentDeps } from "./agent.ts";
import { nextDeadline } from "./teardown.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function idleReport(d: AgentDeps) {
  const now = d.clock.now();
  const snap = d.tracker.snapshot(now);
  const next = nextDeadline(d.settings, snap.last_activity);
  const state = d.supervisor?.state();
  return {
    idle_seconds: snap.idle_seconds,
    idle_timeout_seconds: d.settings.idle_timeout_seconds,
    max_lifetime_seconds: d.settings.max_lifetime_seconds,
    created_at: iso(d.settings.created_at),
    last_activity: iso(snap.last_activity),
    sources: Object.fromEntries(
      Object.entries(snap.sources).map(([k, v]) => [
        k,
        { last_activity: iso(v.last_activity), detail: v.detail },
      ]),
    ),
    deadline: next ? iso(next.at) : null,
    deadline_reason: next?.reason ?? null,
    seconds_until_deadline: next ? Math.max(0, Math.floor((next.at - now) / 1000)) : null,
    teardown: d.settings.teardown,
    provider: d.settings.provider,
    warned_deadline: iso(state?.warnedDeadline ?? null),
    decisions: state?.decisions ?? [],
    // Why a machine past its idle deadline is still running (unsaved-guard.ts), or null.
    kept: state?.kept ?? null,
  };
}
