/** Route table: path → method → handler. Shapes follow the seed's "Agent HTTP API" section. */
import type { Handler } from "./agent.ts";
import { readCloudInit } from "./boot-status.ts";
import { HttpError, json } from "./http.ts";
import { idleReport } from "./idle-report.ts";
import { parseLines, parseOffset, readLogFrom, readLogTailAt } from "./logs.ts";
import { postExec } from "./post-exec.ts";
import { readEnvironment } from "./steps-status.ts";

export const DEFAULT_STEPS_ROOT = "/var/lib/spuff";

const health: Handler = async (_req, _url, d) =>
  json({ status: "ok", service: "spuff-agent", version: d.version });

const status: Handler = async (_req, _url, d) => {
  // bootstrap_status covers the tool bundles and setup steps too: failed if any of them failed.
  const [bootstrap, cloudInit] = await Promise.all([
    readEnvironment(d.paths.bootstrapStatus, d.paths.stepsRoot ?? DEFAULT_STEPS_ROOT).then((e) => e.status),
    readCloudInit(d.paths.cloudInitDir),
  ]);
  return json({
    uptime_seconds: Math.floor(d.system.uptimeSeconds()),
    idle_seconds: d.tracker.snapshot(d.clock.now()).idle_seconds,
    hostname: d.system.hostname(),
    cloud_init_done: cloudInit.done,
    bootstrap_status: bootstrap,
    bootstrap_ready: bootstrap === "ready",
    agent_version: d.version,
    // Present on spot machines only: null until AWS gives notice, then what it said and what ran.
    ...(d.spot ? { spot_interruption: d.spot.report() } : {}),
  });
};

const heartbeat: Handler = async (req, _url, d) => {
  await req.arrayBuffer(); // drain; the body, if any, is ignored
  const now = d.clock.now();
  d.tracker.observe("heartbeat", now, "POST /heartbeat");
  return json({ status: "ok", timestamp: new Date(now).toISOString() });
};

const logs: Handler = async (_req, url, d) => {
  const lines = parseLines(url.searchParams.get("lines"));
  const file = url.searchParams.get("file") ?? `${d.paths.logRoot}/cloud-init-output.log`;
  // With an offset: what was appended since (logs -f); without: the tail, and where it ends.
  const offset = parseOffset(url.searchParams.get("offset"));
  if (offset !== undefined) return json(await readLogFrom(d.paths.logRoot, file, offset));
  return json(await readLogTailAt(d.paths.logRoot, file, lines));
};

/**
 * What a teardown now would lose, ~/workspace included even on a volume (`down --delete-volume`
 * asks this before the volume goes). `guard_needed` is always true (the CLI decides whether a
 * volume keeps the work); `workspace_on_volume` says the idle guard leaves ~/workspace out.
 */
const unsaved: Handler = async (_req, _url, d) => {
  if (!d.unsaved) throw new HttpError(503, "unsaved-work scan unavailable");
  // A failed scan is an answer the CLI can act on ("could not check"), not a 500.
  const report = await d.unsaved().catch((e: Error) => {
    throw new HttpError(503, `unsaved-work scan failed: ${e.message}`);
  });
  return json({
    guard_needed: true,
    ...report,
    workspace_on_volume: d.settings.workspace_on_volume === true,
  });
};

export const routes: Record<string, Record<string, Handler>> = {
  "/health": { GET: health },
  "/status": { GET: status },
  "/metrics": { GET: async (_req, _url, d) => json(await d.metrics.collect(d.clock.now())) },
  "/processes": { GET: async (_req, _url, d) => json(await d.processes(d.clock.now())) },
  // What `spuff tunnel --auto` follows: the dev user's listening TCP ports.
  "/ports": { GET: async (_req, _url, d) => json({ ports: await d.ports() }) },
  "/exec": { POST: postExec },
  "/heartbeat": { POST: heartbeat },
  "/logs": { GET: logs },
  // The checklist: every bundle and setup step with its status, version and log file.
  "/bootstrap": {
    GET: async (_req, _url, d) =>
      json(await readEnvironment(d.paths.bootstrapStatus, d.paths.stepsRoot ?? DEFAULT_STEPS_ROOT)),
  },
  "/cloud-init": { GET: async (_req, _url, d) => json(await readCloudInit(d.paths.cloudInitDir)) },
  "/idle": { GET: async (_req, _url, d) => json(idleReport(d)) },
  "/unsaved": { GET: unsaved },
};
