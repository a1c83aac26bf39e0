/**
 * Every path and knob the agent takes from its environment. Production uses the defaults; tests
 * and the benchmark point them at temp files.
 */
import { DEFAULT_ENV_FILE, DEFAULT_SETTINGS_FILE } from "./config.ts";
import { DEFAULT_MAX_EXECS } from "./exec-limit.ts";

export interface AgentEnvConfig {
  port: number;
  envFile: string;
  settingsFile: string;
  logRoot: string;
  bootstrapStatus: string;
  cloudInitDir: string;
  stepsRoot: string;
  ptsDir: string;
  keepaliveFile: string;
  teardownStateFile: string;
  devUser: string | undefined;
  tickSeconds: number;
  /**
   * CPU % that counts as activity when sustained (default 30). In a container the agent sees the
   * host's CPU, so a busy host would keep an idle container alive: ≥ 100 turns the signal off.
   */
  cpuThreshold: number;
  /** Concurrent /exec commands at most (SPUFF_AGENT_MAX_EXECS, default 8); more get 429. */
  maxExecs: number;
  /** How often a machine kept for unsaved work is re-scanned (SPUFF_AGENT_UNSAVED_RECHECK_SECONDS, default 60). */
  unsavedRecheckSeconds: number;
}

export function readEnvConfig(env: Record<string, string | undefined>): AgentEnvConfig {
  const port = Number(env["SPUFF_AGENT_PORT"] ?? 7575);
  const tick = Number(env["SPUFF_AGENT_TICK_SECONDS"] ?? 30);
  const cpu = Number(env["SPUFF_AGENT_CPU_THRESHOLD"] ?? 30);
  const maxExecs = Number(env["SPUFF_AGENT_MAX_EXECS"] ?? DEFAULT_MAX_EXECS);
  const recheck = Number(env["SPUFF_AGENT_UNSAVED_RECHECK_SECONDS"] ?? 60);
  return {
    port: Number.isInteger(port) && port >= 0 && port < 65536 ? port : 7575,
    envFile: env["SPUFF_AGENT_ENV_FILE"] || DEFAULT_ENV_FILE,
    settingsFile: env["SPUFF_AGENT_SETTINGS_FILE"] || DEFAULT_SETTINGS_FILE,
    logRoot: env["SPUFF_AGENT_LOG_ROOT"] || "/var/log",
    bootstrapStatus: env["SPUFF_AGENT_BOOTSTRAP_STATUS"] || "/opt/spuff/bootstrap.status",
    cloudInitDir: env["SPUFF_AGENT_CLOUD_INIT_DIR"] || "/run/cloud-init",
    stepsRoot: env["SPUFF_AGENT_STEPS_ROOT"] || "/var/lib/spuff",
    ptsDir: env["SPUFF_AGENT_PTS_DIR"] || "/dev/pts",
    keepaliveFile: env["SPUFF_AGENT_KEEPALIVE_FILE"] || "/run/spuff/keepalive",
    teardownStateFile: env["SPUFF_AGENT_TEARDOWN_STATE"] || "/var/lib/spuff/teardown.json",
    devUser: env["SPUFF_DEV_USER"] || undefined,
    tickSeconds: Number.isFinite(tick) && tick >= 1 ? tick : 30,
    cpuThreshold: Number.isFinite(cpu) && cpu > 0 ? cpu : 30,
    maxExecs: Number.isInteger(maxExecs) && maxExecs >= 1 ? maxExecs : DEFAULT_MAX_EXECS,
    unsavedRecheckSeconds: Number.isFinite(recheck) && recheck >= 1 ? recheck : 60,
  };
}
