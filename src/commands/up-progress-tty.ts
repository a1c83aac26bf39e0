/**
 * The terminal form of `up`'s progress: a listr2 task list on stderr, one task per phase, with the
 * phase's time once done and its current detail (cloud-init's last log line) under the running one.
 * Its own bundle (scripts/build.mjs splits lazy imports), so only `up` on a terminal loads listr2.
 *
 * listr2 runs tasks itself; here each task only waits for applyUp's events about its phase, so
 * applyUp stays the one place that decides what happens and when.
 */
import { DefaultRenderer, Listr, ListrLogger, ProcessOutput } from "listr2";
import { type PhaseEvent, phasesFor, type UpPhase } from "../up/phases.ts";
import type { UpProgress } from "./up-progress.ts";

export const PHASE_LABELS: Record<UpPhase, string> = {
  generate_cloud_config: "Generate cloud-config",
  create_instance: "Create instance",
  wait_ready: "Wait until active",
  attach_volume: "Attach workspace volume",
  wait_ssh: "Wait for SSH",
  login: "Log in (pinned host key)",
  rotate_host_key: "Rotate host key",
  upload_agent: "Upload agent and token",
  wait_cloud_init: "Wait for cloud-init",
  mount_volume: "Mount volume at ~/workspace",
  start_agent: "Start agent",
  environment: "Deliver environment (bundles, env)",
  setup: "Project setup (spuff.yaml)",
};

/**
 * listr2 picks its renderer by process.stdout.isTTY; progress goes to stderr, and the caller has
 * already decided that stderr is a terminal (`spuff up | tee log` still gets the live list).
 */
class StderrRenderer extends DefaultRenderer {
  static override nonTTY = true;
}

interface PhaseTask {
  settle(e: PhaseEvent): void;
  detail(text: string): void;
}

/** How long end() waits for listr2 to draw its last frame. */
const END_WAIT_MS = 2000;

const seconds = (ms: number | undefined) => (ms === undefined ? "" : ` (${(ms / 1000).toFixed(1)}s)`);

/** `stream` is stderr in the CLI; tests pass a fake TTY stream. */
export function ttyProgress(
  stream: NodeJS.WriteStream,
  phases: readonly UpPhase[] = phasesFor(undefined),
): UpProgress {
  const tasks = new Map<UpPhase, PhaseTask>();
  // Events may arrive before listr2 has started a phase's task: keep them until it has.
  const early = new Map<UpPhase, PhaseEvent[]>();
  const deliver = (e: PhaseEvent) => {
    const t = tasks.get(e.phase);
    if (!t) {
      early.set(e.phase, [...(early.get(e.phase) ?? []), e]);
      return;
    }
    if (e.status === "progress" && e.detail) t.detail(e.detail);
    if (e.status === "done" || e.status === "failed") t.settle(e);
  };

  const list = new Listr(
    phases.map((phase) => ({
      title: PHASE_LABELS[phase],
      // Keep the detail under a finished phase (e.g. the IP), not only while it runs.
      rendererOptions: { persistentOutput: true, outputBar: 1 },
      task: (_ctx: unknown, task: { title: string; output: string }) =>
        new Promise<void>((resolve, reject) => {
          let settled = false;
          tasks.set(phase, {
            detail: (text) => {
              task.output = text;
            },
            settle: (e) => {
              if (settled) return;
              settled = true;
              task.title = `${PHASE_LABELS[phase]}${seconds(e.ms)}${e.cached ? " cached" : ""}`;
              if (e.status === "done") {
                if (e.detail) task.output = e.detail;
                resolve();
              } else reject(new Error(e.detail ?? "failed"));
            },
          });
          for (const e of early.get(phase) ?? []) deliver(e);
          early.delete(phase);
        }),
    })),
    {
      concurrent: false,
      exitOnError: true,
      // `up` handles Ctrl-C itself (it must settle a half-created instance).
      registerSignalListeners: false,
      renderer: StderrRenderer,
      fallbackRendererCondition: false,
      rendererOptions: {
        collapseErrors: false,
        logger: new ListrLogger({ processOutput: new ProcessOutput(stream, stream, { dump: [] }) }),
      },
    },
  );
  // The error is applyUp's to report (with the phase and cloud-init's tail); listr2 only draws it.
  const done = list.run().then(
    () => undefined,
    () => undefined,
  );

  return {
    onEvent: deliver,
    async end() {
      // Ended without the current phase settling (an interruption): mark it failed so the list stops.
      for (const [phase, t] of tasks) t.settle({ phase, status: "failed", detail: "stopped" });
      // Drawing must never hold `up` (the shell, the error) back: bounded, like every wait here.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, END_WAIT_MS)))]);
      clearTimeout(timer);
    },
  };
}
