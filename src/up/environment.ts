/**
 * The developer's environment on a new VM, after cloud-init and the agent: tool bundles chosen in
 * config start in the background (a transient systemd unit; the user gets a shell at once), and
 * a project's spuff.yaml is applied in the foreground as the dev user over the pinned
 * connection, whose forwarded agent lets git clone private repositories. Everything travels over
 * SSH, nothing in user-data: bundle scripts (so no choice of bundles can push user-data past
 * AWS's 16 KB) and the project's env with its secrets (0600, owned by the dev user).
 */

import { parseStatusFile, type StepStatus, toStep } from "../agent/steps-status.ts";
import { BUNDLE_LIB, BUNDLE_SCRIPT, type BundleName, RUN_STEPS, selectBundles } from "../bundles/catalog.ts";
import {
  BUNDLES_UNIT,
  bundleScriptPath,
  envFilePath,
  logDir,
  stateDir,
  VM_BUNDLES_DIR,
  VM_RUNNER,
} from "../bundles/layout.ts";
import { BUNDLE_NAMES } from "../bundles/names.ts";
import { homeOf } from "../cloudinit/build.ts";
import { shellQuote } from "../cloudinit/shell-quote.ts";
import type { Settings } from "../config/resolve.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import { UserError } from "../core/errors.ts";
import type { Project } from "../project/load.ts";
import { renderProjectEnv, setupSteps, stepsList } from "../project/steps.ts";
import type { Connection } from "../ssh/connection.ts";
import { type ExecResult, exec } from "../ssh/exec.ts";
import { installFiles, type RemoteDir, type RemoteFile } from "../ssh/install-files.ts";

/** Bounds a whole project setup (each step is bounded by run-steps.sh at 30 min too). */
export const SETUP_TIMEOUT_MS = 45 * 60_000;
/** Bounds the background bundle unit. */
const BUNDLES_MAX_SECONDS = 2 * 3600;

export interface EnvironmentPlan {
  /** Installed in the background: the config's choice minus what the project installs itself. */
  background: BundleName[];
  project?: Project;
  /**
   * The prebuild this machine boots from (prebuild/find.ts): its bundles, packages and prebuild
   * steps are only checked (run-steps.sh cached-*), the phases say `cached`.
   */
  prebuild?: { id: string; name: string };
  /** `spuff prebuild`: only what a prebuild holds; no clones, setup commands or hooks. */
  prebuildOnly?: boolean;
}

export function planEnvironment(settings: Settings, project: Project | undefined): EnvironmentPlan {
  const own = new Set(project?.bundles ?? []);
  const background = selectBundles({
    tools: settings.tools,
    environment: settings.environment,
    aiTools: settings.aiTools,
  }).filter((b) => !own.has(b));
  return { background, ...(project ? { project } : {}) };
}

/** True when the project asks for anything to be run in the foreground. */
export function hasSetup(plan: EnvironmentPlan): boolean {
  const p = plan.project;
  if (!p) return false;
  const baked = p.bundles.length + p.packages.length + p.prebuild.length;
  if (plan.prebuildOnly) return baked > 0;
  return baked + p.repositories.length + p.setup.length > 0 || !!p.hooks.postUp;
}

export function hasEnvironment(plan: EnvironmentPlan): boolean {
  return plan.background.length > 0 || !!plan.project;
}

/** The directories and files `deliver` writes; pure, so tests can look at it. */
export function environmentFiles(
  plan: EnvironmentPlan,
  user: string,
): { dirs: RemoteDir[]; files: RemoteFile[] } {
  const me = `${user}:${user}`;
  const root = "root:root";
  const home = homeOf(user);
  const dirs: RemoteDir[] = [
    { path: VM_BUNDLES_DIR, mode: "0755", owner: root },
    { path: stateDir("bundles"), mode: "0755", owner: root },
    // The agent (root) reads the logs; the dev user's group may too.
    { path: logDir("bundles"), mode: "0750", owner: `root:${user}` },
    { path: stateDir("setup"), mode: "0750", owner: me },
    { path: `${stateDir("setup")}/steps`, mode: "0700", owner: me },
    { path: logDir("setup"), mode: "0750", owner: me },
    { path: `${home}/.config`, mode: "0755", owner: me },
    { path: `${home}/.config/spuff`, mode: "0700", owner: me },
  ];
  const files: RemoteFile[] = [
    { path: VM_RUNNER, content: RUN_STEPS, mode: "0755", owner: root },
    { path: `${VM_BUNDLES_DIR}/bundle-lib.sh`, content: BUNDLE_LIB, mode: "0644", owner: root },
    ...BUNDLE_NAMES.map((b) => ({
      path: bundleScriptPath(b),
      content: BUNDLE_SCRIPT[b],
      mode: "0755",
      owner: root,
    })),
  ];
  if (plan.background.length > 0) {
    files.push({
      path: `${stateDir("bundles")}/steps.list`,
      content: stepsList(
        plan.background.map((b) => ({
          name: b,
          kind: plan.prebuild ? "cached-bundle" : "bundle",
          path: bundleScriptPath(b),
        })),
      ),
      mode: "0644",
      owner: root,
    });
  }
  const p = plan.project;
  if (p) {
    files.push({ path: envFilePath(home), content: renderProjectEnv(p.env), mode: "0600", owner: me });
    const steps = setupSteps(p, user, {
      cached: plan.prebuild !== undefined,
      prebuildOnly: plan.prebuildOnly === true,
    }).map((s, i) => ({
      ...s,
      path: `${stateDir("setup")}/steps/${String(i + 1).padStart(2, "0")}.sh`,
    }));
    for (const s of steps) files.push({ path: s.path, content: s.script, mode: "0700", owner: me });
    files.push({
      path: `${stateDir("setup")}/steps.list`,
      content: stepsList(steps),
      mode: "0640",
      owner: me,
    });
  }
  return { dirs, files };
}

/** Write everything, then start the background bundles. Returns the phase's detail line. */
export async function deliverEnvironment(
  conn: Connection,
  plan: EnvironmentPlan,
  user: string,
  timeoutMs: number,
  clock: Clock = systemClock,
): Promise<string> {
  const { dirs, files } = environmentFiles(plan, user);
  await installFiles(conn, dirs, files, timeoutMs, clock);
  if (plan.background.length > 0) {
    const start = [
      "sudo -n systemd-run",
      `--unit ${BUNDLES_UNIT}`,
      "--no-block --collect",
      `--property=RuntimeMaxSec=${BUNDLES_MAX_SECONDS}`,
      `--setenv=SPUFF_USER=${shellQuote(user)}`,
      `/bin/bash ${VM_RUNNER} ${stateDir("bundles")} ${logDir("bundles")} keep-going`,
    ].join(" ");
    const r = await exec(conn, start, { timeoutMs, clock });
    if (r.exitCode !== 0) {
      throw new UserError("bundles_start_failed", `Could not start the bundle installer: ${r.stderr.trim()}`);
    }
  }
  const parts = [
    plan.background.length > 0
      ? plan.prebuild
        ? `bundles cached in prebuild ${plan.prebuild.name}: ${plan.background.join(", ")}`
        : `bundles in the background: ${plan.background.join(", ")}`
      : "",
    plan.project ? `env: ${Object.keys(plan.project.env).length} variable(s)` : "",
  ].filter(Boolean);
  return parts.join("; ") || "nothing to install";
}

export interface SetupReport {
  ok: boolean;
  steps: StepStatus[];
  failed?: StepStatus;
  /** The failed step's last log lines. */
  logTail?: string[];
}

/**
 * Run the project's steps as the dev user (agent forwarded) and read back their statuses.
 * `onProgress` gets "step 2/4: clone app" while they run (setupProgress).
 */
export async function runSetup(
  conn: Connection,
  user: string,
  onProgress?: (line: string) => void,
  o: { clock?: Clock; exec?: typeof exec } = {},
): Promise<SetupReport> {
  const clock = o.clock ?? systemClock;
  const run: Run = (command, timeoutMs, forwardAgent = false) =>
    (o.exec ?? exec)(conn, command, { timeoutMs, clock, forwardAgent });
  const env = envFilePath(homeOf(user));
  const running = run(
    `SPUFF_ENV_FILE=${shellQuote(env)} bash ${VM_RUNNER} ${stateDir("setup")} ${logDir("setup")} stop`,
    SETUP_TIMEOUT_MS,
    // Clones and hooks may need the user's agent (private repositories); nothing else does.
    true,
  );
  let finished = false;
  if (onProgress) {
    // Not awaited: it may be asleep for up to a second and would only delay `up`; it stops itself.
    void setupProgress(
      () => readRemoteSteps(run, stateDir("setup")),
      onProgress,
      () => finished,
      clock,
    );
  }
  const r = await running.finally(() => {
    finished = true;
  });
  const steps = await readRemoteSteps(run, stateDir("setup"));
  const failed = steps.find((s) => s.status === "failed");
  if (r.exitCode === 0 && !failed) return { ok: true, steps };
  const logTail = failed?.log ? await tail(run, failed.log) : undefined;
  if (!failed && r.exitCode !== 0) {
    // The runner itself failed before any step could (no step list, a signal).
    throw new UserError(
      "setup_runner_failed",
      `The setup runner failed (exit ${r.exitCode}): ${r.stderr.trim()}`,
    );
  }
  return { ok: false, steps, ...(failed ? { failed } : {}), ...(logTail ? { logTail } : {}) };
}

/** One remote command on the setup's connection, bounded on its clock. */
type Run = (command: string, timeoutMs: number, forwardAgent?: boolean) => Promise<ExecResult>;

/**
 * Once a second on the clock, until `finished()` or SETUP_TIMEOUT_MS: the running step as
 * "step 2/4: clone app". A read that fails only skips one update.
 */
export async function setupProgress(
  read: () => Promise<StepStatus[]>,
  onProgress: (line: string) => void,
  finished: () => boolean,
  clock: Clock,
): Promise<void> {
  const deadline = clock.now() + SETUP_TIMEOUT_MS;
  for (let i = 0; i < SETUP_TIMEOUT_MS / 1000 && !finished() && clock.now() < deadline; i++) {
    await clock.sleep(1000);
    if (finished()) return;
    const steps = await read().catch(() => []);
    const at = steps.findIndex((s) => s.status === "running" || s.status === "installing");
    if (at >= 0 && !finished()) onProgress(`step ${at + 1}/${steps.length}: ${steps[at]?.name}`);
  }
}

/** The steps' statuses of `kind` on the machine, read over `conn` (prebuild waits on bundles). */
export function remoteSteps(
  conn: Connection,
  kind: "bundles" | "setup",
  clock: Clock = systemClock,
): Promise<StepStatus[]> {
  return readRemoteSteps((command, timeoutMs) => exec(conn, command, { timeoutMs, clock }), stateDir(kind));
}

async function readRemoteSteps(run: Run, dir: string): Promise<StepStatus[]> {
  const r = await run(
    `for f in ${dir}/*.status; do [ -e "$f" ] || continue; printf '\\036%s\\n' "$(basename "$f" .status)"; cat "$f"; done`,
    30_000,
  );
  return r.stdout
    .split("\x1e")
    .filter((chunk) => chunk.trim() !== "")
    .map((chunk) => {
      const nl = chunk.indexOf("\n");
      return toStep(chunk.slice(0, nl), parseStatusFile(chunk.slice(nl + 1)));
    });
}

async function tail(run: Run, file: string): Promise<string[]> {
  const r = await run(`tail -n 20 ${shellQuote(file)}`, 30_000);
  return r.stdout.split("\n").filter((l, i, all) => l !== "" || i < all.length - 1);
}
