/**
 * The checklist of tool bundles and project setup steps, read from the status files that
 * run-steps.sh writes (one `ID.status` of key=value lines per step under /var/lib/spuff/bundles
 * and /var/lib/spuff/setup). Files only, no child process; a half-written file cannot be seen
 * because the runner renames each one into place.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { type BootstrapStatus, readBootstrapStatus } from "./boot-status.ts";

const STATES = ["pending", "installing", "running", "done", "failed", "skipped"] as const;
export type StepState = (typeof STATES)[number];

export interface StepStatus {
  id: string;
  name: string;
  status: StepState;
  /** The tool's version line once a bundle is done. */
  version: string | null;
  exit_code: number | null;
  /** The step's log on the VM (under /var/log/spuff; `spuff logs --bundle/--setup` read it). */
  log: string | null;
  started_at: string | null;
  finished_at: string | null;
  reason: string | null;
}

/** Bound on the number of status files read from one directory. */
const MAX_STEPS = 500;

export function parseStatusFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

const epoch = (v: string | undefined) =>
  v && /^\d+$/.test(v) ? new Date(Number(v) * 1000).toISOString() : null;

export function toStep(id: string, kv: Record<string, string>): StepStatus {
  const status = (STATES as readonly string[]).includes(kv["status"] ?? "")
    ? (kv["status"] as StepState)
    : "pending";
  const exit = kv["exit"];
  return {
    id,
    name: kv["name"] ?? id,
    status,
    version: kv["version"] || null,
    exit_code: exit && /^\d+$/.test(exit) ? Number(exit) : null,
    log: kv["log"] || null,
    started_at: epoch(kv["started"]),
    finished_at: epoch(kv["finished"]),
    reason: kv["reason"] || null,
  };
}

/** Every step in `dir`, in run order; none when the directory does not exist. */
export async function readSteps(dir: string): Promise<StepStatus[]> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const ids = names
    .filter((n) => /^[\w-]+\.status$/.test(n))
    .map((n) => n.slice(0, -".status".length))
    .sort()
    .slice(0, MAX_STEPS);
  const steps = await Promise.all(
    ids.map(async (id) => {
      const text = await fsp.readFile(path.join(dir, `${id}.status`), "utf8").catch(() => undefined);
      return text === undefined ? undefined : toStep(id, parseStatusFile(text));
    }),
  );
  return steps.filter((s): s is StepStatus => s !== undefined);
}

/**
 * One word for the whole environment: failed when the bootstrap script or any bundle or setup
 * step failed (the user still has a shell), running while anything is still to do.
 */
export function overallStatus(script: BootstrapStatus, steps: readonly StepStatus[]): BootstrapStatus {
  if (script === "failed" || steps.some((s) => s.status === "failed")) return "failed";
  if (script === "running" || steps.some((s) => ["pending", "installing", "running"].includes(s.status)))
    return "running";
  return script;
}

export interface EnvironmentReport {
  status: BootstrapStatus;
  /** What the bootstrap script alone wrote. */
  bootstrap_script: BootstrapStatus;
  bundles: StepStatus[];
  setup: StepStatus[];
}

export async function readEnvironment(bootstrapFile: string, stepsRoot: string): Promise<EnvironmentReport> {
  const [script, bundles, setup] = await Promise.all([
    readBootstrapStatus(bootstrapFile),
    readSteps(path.join(stepsRoot, "bundles")),
    readSteps(path.join(stepsRoot, "setup")),
  ]);
  return { status: overallStatus(script, [...bundles, ...setup]), bootstrap_script: script, bundles, setup };
}
