/**
 * Idle tracking, pure: callers feed observations (with timestamps) and ask for a snapshot at a
 * given time. Nothing here reads the clock or the disk, so tests drive it with plain numbers.
 *
 * Agent API calls are deliberately NOT activity (upstream counted them, so a CLI polling
 * `spuff status` kept a forgotten VM alive); only an explicit POST /heartbeat is.
 */
export const ACTIVITY_SOURCES = ["ssh_input", "ssh_connection", "heartbeat", "cpu", "keepalive"] as const;
export type ActivitySource = (typeof ACTIVITY_SOURCES)[number];

export interface SourceState {
  /** Epoch ms of the latest activity seen from this source, or null if never. */
  last_activity: number | null;
  detail: string;
}

export interface IdleSnapshot {
  idle_seconds: number;
  /** Epoch ms: the later of agent start and the latest activity of any source. */
  last_activity: number;
  sources: Record<ActivitySource, SourceState>;
}

export class IdleTracker {
  private readonly sources = new Map<ActivitySource, SourceState>();

  /** `since` is when idleness starts counting if nothing ever happens (agent start). */
  constructor(private readonly since: number) {
    for (const s of ACTIVITY_SOURCES) this.sources.set(s, { last_activity: null, detail: "" });
  }

  /** Records activity at `at`; older observations than the one kept are ignored (times only move on). */
  observe(source: ActivitySource, at: number, detail = ""): void {
    const cur = this.sources.get(source)!;
    if (cur.last_activity === null || at >= cur.last_activity) {
      this.sources.set(source, { last_activity: at, detail });
    }
  }

  snapshot(now: number): IdleSnapshot {
    let last = this.since;
    const sources = {} as Record<ActivitySource, SourceState>;
    for (const [name, st] of this.sources) {
      sources[name] = { ...st };
      // An activity time in the future (clock skew, a touched file) counts as "now", never as negative idle.
      if (st.last_activity !== null) last = Math.max(last, Math.min(st.last_activity, now));
    }
    return { idle_seconds: Math.max(0, Math.floor((now - last) / 1000)), last_activity: last, sources };
  }
}

export interface CpuSample {
  at: number;
  percent: number;
}

/**
 * True when the CPU was at or above `threshold` for the whole last `windowMs`. A sample at time t
 * measures the interval since the previous sample, so the window is covered when some sample is at
 * or before its start and every later sample is busy (one busy sample after a quiet spell is not
 * "sustained").
 */
export function cpuSustained(
  samples: readonly CpuSample[],
  now: number,
  threshold: number,
  windowMs: number,
) {
  const start = now - windowMs;
  const inWindow = samples.filter((s) => s.at > start && s.at <= now);
  const covered = samples.some((s) => s.at <= start);
  return covered && inWindow.length > 0 && inWindow.every((s) => s.percent >= threshold);
}

/** Keep-alive file semantics: content is a future epoch (seconds) -> active now; else its mtime counts. */
export function keepaliveActivity(content: string, mtimeMs: number, now: number): number {
  const epoch = Number(content.trim());
  if (content.trim() !== "" && Number.isFinite(epoch) && epoch * 1000 > now) return now;
  return mtimeMs;
}

/** Hex local port of SSH (22) in /proc/net/tcp{,6}; state 01 is TCP_ESTABLISHED. */
export function countEstablishedSsh(procNetTcp: string, port = 22): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  let n = 0;
  for (const line of procNetTcp.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1]?.toUpperCase().endsWith(`:${hexPort}`) && f[3] === "01") n++;
  }
  return n;
}
