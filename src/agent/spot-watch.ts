/**
 * On an AWS spot machine: watch the instance metadata service (IMDSv2: a session token by PUT,
 * then GET spot/instance-action) for AWS's interruption notice, every few seconds, each request
 * bounded in time. On the first notice: warn the logged-in users, run the project's pre_down
 * hook (as the dev user, bounded by the time left), and keep a report for GET /status. The
 * notice is input from outside the agent: it is checked strictly and only its checked fields are
 * ever shown to users (never raw text on their terminals). Node built-ins only.
 */
import type { Clock } from "../core/clock.ts";
import { isLoopbackHost } from "./token-url.ts";

/** Where AWS serves IMDS (IPv4 and IPv6 link-local): plain http by design, reachable only from the instance. */
const IMDS_HOSTS = new Set(["169.254.169.254", "[fd00:ec2::254]"]);
export const DEFAULT_IMDS_URL = "http://169.254.169.254";
/** A session token lives this long; a new one is asked for a minute before it ends. */
const TOKEN_TTL_S = 21_600;
const REQUEST_TIMEOUT_MS = 2_000;
const MAX_BODY = 4096;
const ACTIONS = ["terminate", "stop", "hibernate"] as const;

export interface SpotNotice {
  action: (typeof ACTIONS)[number];
  /** ISO 8601, when AWS acts. */
  time: string;
}

export interface SpotReport {
  action: SpotNotice["action"];
  time: string;
  noticed_at: string;
  pre_down: { status: "none" | "running" | "done" | "failed"; exit_code: number | null; detail?: string };
}

/** IMDS over https anywhere, plain http only to AWS's link-local address or loopback (simulators). */
export function imdsUrlAllowed(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username || u.password || u.search || u.hash) return false;
  if (u.protocol === "https:") return true;
  return u.protocol === "http:" && (IMDS_HOSTS.has(u.host.replace(/:80$/, "")) || isLoopbackHost(u.hostname));
}

/** The notice as AWS writes it, or undefined for anything else (which is then ignored). */
export function parseNotice(text: string): SpotNotice | undefined {
  if (text.length > MAX_BODY) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const { action, time } = v as Record<string, unknown>;
  if (typeof action !== "string" || !(ACTIONS as readonly string[]).includes(action)) return undefined;
  if (typeof time !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(time))
    return undefined;
  if (Number.isNaN(Date.parse(time))) return undefined;
  return { action: action as SpotNotice["action"], time };
}

export interface SpotWatchOptions {
  baseUrl: string;
  clock: Clock;
  fetch: typeof fetch;
  /** Between polls (AWS suggests every 5 s; the notice comes two minutes ahead). */
  intervalMs?: number;
  /** Tells the logged-in users (wall). */
  warn(message: string): Promise<void>;
  /** Runs the pre_down hook as the dev user within `timeoutMs`; undefined when there is none. */
  runPreDown(timeoutMs: number): Promise<{ exit_code: number; timed_out: boolean } | undefined>;
  logError?(err: unknown): void;
}

/** At least this long for the hook, even when the notice came late; at most this long in any case. */
const PRE_DOWN_MIN_MS = 10_000;
const PRE_DOWN_MAX_MS = 110_000;

export function createSpotWatcher(o: SpotWatchOptions) {
  if (!imdsUrlAllowed(o.baseUrl))
    throw new Error(
      `refusing the metadata URL ${o.baseUrl}: https, AWS's link-local address or loopback only`,
    );
  const base = o.baseUrl.replace(/\/+$/, "");
  let token: { value: string; until: number } | undefined;
  let report: SpotReport | null = null;

  const request = (path: string, init: RequestInit) =>
    o.fetch(`${base}${path}`, {
      ...init,
      redirect: "error",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });

  async function sessionToken(): Promise<string> {
    if (token && o.clock.now() < token.until) return token.value;
    const res = await request("/latest/api/token", {
      method: "PUT",
      headers: { "x-aws-ec2-metadata-token-ttl-seconds": String(TOKEN_TTL_S) },
    });
    const value = (await res.text()).trim();
    if (!res.ok || !/^[\w+/=.-]{1,512}$/.test(value))
      throw new Error(`IMDS token request: HTTP ${res.status}`);
    token = { value, until: o.clock.now() + (TOKEN_TTL_S - 60) * 1000 };
    return value;
  }

  /** One look: the notice if AWS has given one. A 401 (token expired early) retries once with a new token. */
  async function poll(): Promise<SpotNotice | undefined> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await request("/latest/meta-data/spot/instance-action", {
        headers: { "x-aws-ec2-metadata-token": await sessionToken() },
      });
      const text = await res.text();
      if (res.status === 404) return undefined;
      if (res.status === 401) {
        token = undefined;
        continue;
      }
      if (!res.ok) throw new Error(`IMDS spot/instance-action: HTTP ${res.status}`);
      const notice = parseNotice(text);
      if (!notice) throw new Error("IMDS spot/instance-action: not a notice AWS would send; ignored");
      return notice;
    }
    throw new Error("IMDS refused two fresh tokens");
  }

  async function handle(notice: SpotNotice): Promise<void> {
    const now = o.clock.now();
    report = {
      ...notice,
      noticed_at: new Date(now).toISOString(),
      pre_down: { status: "running", exit_code: null },
    };
    const verb = notice.action === "terminate" ? "reclaiming (terminating)" : `reclaiming (${notice.action})`;
    await o
      .warn(
        `spuff: AWS is ${verb} this spot machine at ${notice.time}. Save and push your work now; the project's pre_down hook is running.`,
      )
      .catch((err) => o.logError?.(err));
    const left = Date.parse(notice.time) - now - 10_000;
    const budget = Math.min(PRE_DOWN_MAX_MS, Math.max(PRE_DOWN_MIN_MS, left));
    try {
      const r = await o.runPreDown(budget);
      report.pre_down = r
        ? {
            status: r.exit_code === 0 && !r.timed_out ? "done" : "failed",
            exit_code: r.exit_code,
            ...(r.timed_out ? { detail: `timed out after ${Math.round(budget / 1000)} s` } : {}),
          }
        : { status: "none", exit_code: null };
    } catch (err) {
      report.pre_down = { status: "failed", exit_code: null, detail: (err as Error).message };
    }
    const d = report.pre_down;
    if (d.status !== "none")
      await o
        .warn(
          `spuff: the pre_down hook ${d.status === "done" ? "finished" : `failed (exit ${d.exit_code ?? "none"})`}.`,
        )
        .catch((err) => o.logError?.(err));
  }

  /** Polls until a notice arrives (then acts once and stops) or `signal` aborts. */
  async function run(signal: AbortSignal): Promise<void> {
    const interval = o.intervalMs ?? 5_000;
    while (!signal.aborted) {
      try {
        const notice = await poll();
        if (notice) return await handle(notice);
      } catch (err) {
        o.logError?.(err);
      }
      await o.clock.sleep(interval, signal).catch(() => undefined);
    }
  }

  return { poll, handle, run, report: (): SpotReport | null => report };
}

export type SpotWatcher = ReturnType<typeof createSpotWatcher>;
