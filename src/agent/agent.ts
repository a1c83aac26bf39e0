/**
 * The agent as a function: `createAgent(deps).fetch(Request) → Response`. No sockets here, so tests
 * call it directly; serve.ts adapts it to node:http through `reply` (same logic, no Request or
 * Response objects on the hot path). Every route but /health needs X-Spuff-Token.
 */
import type { Clock } from "../core/clock.ts";
import { tokenMatches } from "./auth.ts";
import type { AgentSettings } from "./config.ts";
import type { ExecFn } from "./exec.ts";
import { type AgentRequest, errorResponse, HttpError, type Reply, toResponse } from "./http.ts";
import type { IdleTracker } from "./idle.ts";
import type { MetricsCollector } from "./metrics.ts";
import type { ListeningPort } from "./ports.ts";
import type { ProcessInfo } from "./processes.ts";
import { routes } from "./routes.ts";
import type { SpotReport } from "./spot-watch.ts";
import type { Supervisor } from "./supervisor.ts";
import type { UnsavedReport } from "./unsaved.ts";

export interface AgentPaths {
  bootstrapStatus: string;
  cloudInitDir: string;
  logRoot: string;
  /** Holds bundles/ and setup/ status files (run-steps.sh); default /var/lib/spuff. */
  stepsRoot?: string;
}

export interface AgentDeps {
  token: string;
  version: string;
  clock: Clock;
  paths: AgentPaths;
  exec: ExecFn;
  metrics: MetricsCollector;
  processes: (nowMs: number) => Promise<ProcessInfo[]>;
  /** The dev user's listening TCP ports (GET /ports); throws HttpError 503 when there is no dev user. */
  ports: () => Promise<ListeningPort[]>;
  tracker: IdleTracker;
  settings: AgentSettings;
  /** Optional so unit tests can run without a background loop. */
  supervisor?: Supervisor;
  /** On AWS spot machines: the interruption notice, once AWS has given one (GET /status). */
  spot?: { report(): SpotReport | null };
  startedAt: number;
  /** A fresh scan for unsaved work (GET /unsaved); absent: the route answers 503. */
  unsaved?: () => Promise<UnsavedReport>;
  system: { hostname(): string; uptimeSeconds(): number };
  /** Where unexpected errors go (stderr in production); never sent to the client. */
  logError?: (err: unknown) => void;
}

export type Handler = (req: AgentRequest, url: URL, deps: AgentDeps) => Promise<Reply>;

const PUBLIC_PATHS = new Set(["/health"]);

export function createAgent(deps: AgentDeps) {
  async function handle(req: AgentRequest): Promise<Reply> {
    const url = new URL(req.url);
    const byMethod = routes[url.pathname];
    if (!PUBLIC_PATHS.has(url.pathname)) {
      const given = req.headers.get("x-spuff-token");
      if (given === null) throw new HttpError(401, "Missing X-Spuff-Token header");
      if (!tokenMatches(deps.token, given)) throw new HttpError(401, "Invalid authentication token");
    }
    // 404/405 only after auth, so unauthenticated callers cannot map the routes.
    if (!byMethod) throw new HttpError(404, "not found");
    const handler = byMethod[req.method];
    if (!handler) {
      const res = errorResponse(405, "method not allowed");
      res.headers["allow"] = Object.keys(byMethod).join(", ");
      return res;
    }
    return handler(req, url, deps);
  }

  async function reply(req: AgentRequest): Promise<Reply> {
    try {
      return await handle(req);
    } catch (err) {
      if (err instanceof HttpError) return errorResponse(err.status, err.message);
      deps.logError?.(err);
      return errorResponse(500, "internal error");
    }
  }

  return {
    reply,
    fetch: async (req: Request): Promise<Response> => toResponse(await reply(req)),
  };
}

export type Agent = ReturnType<typeof createAgent>;
