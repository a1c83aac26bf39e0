/** Wires the real dependencies together and starts the server plus the idle supervisor. */
import { promises as fsp } from "node:fs";
import os from "node:os";
import { systemClock } from "../core/clock.ts";
import { defaultProbeOptions } from "./activity-probe.ts";
import { createAgent } from "./agent.ts";
import { loadSettings, loadToken } from "./config.ts";
import type { AgentEnvConfig } from "./env-config.ts";
import { createExec, type ExecFn, lookupUser } from "./exec.ts";
import { limitConcurrency } from "./exec-limit.ts";
import { detectScopes } from "./exec-scope.ts";
import { HttpError } from "./http.ts";
import { IdleTracker } from "./idle.ts";
import { createMetrics } from "./metrics.ts";
import { createPortLister, type ListeningPort } from "./ports.ts";
import { createProcessLister, machineUptimeSeconds } from "./processes.ts";
import { serve } from "./serve.ts";
import { type SpotSetup, spotWatcherFor } from "./spot-setup.ts";
import { createSupervisor } from "./supervisor.ts";
import { createSystemExecutor } from "./teardown-executor.ts";
import { notifyUsers } from "./tty-notify.ts";
import { scanUnsaved } from "./unsaved.ts";
import { createUnsavedGuard, type ScanFn, unsavedScans } from "./unsaved-guard.ts";

const logError = (err: unknown) =>
  process.stderr.write(`spuff-agent: ${(err as Error)?.stack ?? String(err)}\n`);

/**
 * As root, commands run as the dev user only; with no usable dev user, exec is disabled rather
 * than run as root. Each command gets its own systemd scope where systemd runs; where it does not,
 * the log says so once, since a timeout then cannot reach a `setsid` descendant.
 */
function execFor(cfg: AgentEnvConfig): ExecFn {
  const isRoot = process.getuid?.() === 0;
  const scopes = detectScopes(isRoot);
  if (typeof scopes === "string") {
    process.stderr.write(
      `spuff-agent: /exec without systemd scopes (${scopes}): a timeout kills the command's process group only; a setsid descendant can outlive it\n`,
    );
  }
  const withScopes = typeof scopes === "string" ? {} : { scopes, logError };
  const limited = (exec: ExecFn) => limitConcurrency(exec, cfg.maxExecs);
  if (!isRoot) return limited(createExec(withScopes));
  const devUser = cfg.devUser;
  const user = devUser && devUser !== "root" ? lookupUser(devUser) : undefined;
  if (user && user.uid !== 0) return limited(createExec({ user, ...withScopes }));
  return async () => {
    throw new HttpError(503, "exec disabled: no non-root dev user configured (SPUFF_DEV_USER)");
  };
}

/**
 * Whose ports GET /ports reports: the agent's own user when it is not root, else the dev user;
 * with no non-root dev user it answers 503 rather than show root's listeners.
 */
function portsFor(cfg: AgentEnvConfig): () => Promise<ListeningPort[]> {
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0) return createPortLister({ uid });
  const user = cfg.devUser && cfg.devUser !== "root" ? lookupUser(cfg.devUser) : undefined;
  if (user && user.uid !== 0) return createPortLister({ uid: user.uid });
  return async () => {
    throw new HttpError(503, "ports disabled: no non-root dev user configured (SPUFF_DEV_USER)");
  };
}

/** A metadata URL the watcher may not use is logged and the watch left off: idle teardown still runs. */
function spotWatcher(o: Omit<SpotSetup, "logError">) {
  try {
    return spotWatcherFor({ ...o, logError });
  } catch (err) {
    logError(err);
    return undefined;
  }
}

/**
 * The unsaved-work scan, as the dev user (git never runs as root); when the agent is not root,
 * as itself in its own home. No dev user under root: every scan fails, so the guard keeps.
 * `workspaceOnVolume` leaves a mounted ~/workspace out (the idle guard's scan on a volume machine).
 */
function scanFor(cfg: AgentEnvConfig, workspaceOnVolume: boolean): ScanFn {
  if (process.getuid?.() !== 0) return () => scanUnsaved({ home: os.homedir(), workspaceOnVolume });
  const user = cfg.devUser && cfg.devUser !== "root" ? lookupUser(cfg.devUser) : undefined;
  if (!user || user.uid === 0)
    return async () => Promise.reject(new Error("no non-root dev user (SPUFF_DEV_USER)"));
  return () => scanUnsaved({ home: user.home, user, workspaceOnVolume });
}

/** Throws AgentConfigError (token, settings) before anything listens. */
export function runServer(cfg: AgentEnvConfig, version: string): void {
  const clock = systemClock;
  const token = loadToken(process.env, cfg.envFile);
  const settings = loadSettings(cfg.settingsFile, clock.now());
  const startedAt = clock.now();
  const tracker = new IdleTracker(startedAt);
  const metrics = createMetrics();
  const executor = createSystemExecutor(cfg.teardownStateFile);
  const exec = execFor(cfg);
  const scans = unsavedScans((onVolume) => scanFor(cfg, onVolume), settings);
  const supervisor = createSupervisor({
    clock,
    settings,
    tracker,
    probe: { ...defaultProbeOptions, ptsDir: cfg.ptsDir, keepaliveFile: cfg.keepaliveFile },
    executor,
    reaperTokenAvailable: () =>
      fsp.access(settings.reaper_token_file).then(
        () => true,
        () => false,
      ),
    cpuPercent: metrics.cpuPercent,
    cpuThreshold: cfg.cpuThreshold,
    guard: createUnsavedGuard(scans.guard, cfg.unsavedRecheckSeconds * 1000),
  });
  const spot = spotWatcher({
    settings,
    clock,
    exec,
    devUser: cfg.devUser,
    warn: notifyUsers(cfg.ptsDir, executor.wall),
  });
  const agent = createAgent({
    token,
    version,
    clock,
    paths: {
      bootstrapStatus: cfg.bootstrapStatus,
      cloudInitDir: cfg.cloudInitDir,
      logRoot: cfg.logRoot,
      stepsRoot: cfg.stepsRoot,
    },
    exec,
    metrics,
    processes: createProcessLister(),
    ports: portsFor(cfg),
    tracker,
    settings,
    supervisor,
    ...(spot ? { spot } : {}),
    startedAt,
    unsaved: scans.report,
    system: { hostname: os.hostname, uptimeSeconds: () => machineUptimeSeconds() },
    logError,
  });
  // Log and keep serving: a bug in one request must not take the agent (and idle teardown) down.
  process.on("uncaughtException", logError);
  process.on("unhandledRejection", logError);
  const server = serve(agent, { port: cfg.port, onError: logError });
  const stop = new AbortController();
  server.on("listening", () => {
    const addr = server.address();
    const port = typeof addr === "object" && addr ? addr.port : cfg.port;
    process.stderr.write(`spuff-agent ${version} listening on 127.0.0.1:${port}\n`);
    void supervisor.run(cfg.tickSeconds * 1000, stop.signal);
    void spot?.run(stop.signal);
  });
  server.on("error", (err) => {
    logError(err);
    process.exitCode = 1;
    stop.abort();
  });
  const shutdown = () => {
    stop.abort();
    server.close();
    server.closeAllConnections();
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}
