/**
 * `spuff logs --setup` and `--bundle NAME`: the per-step logs named by the agent's /bootstrap
 * checklist (the agent reads them, confined to /var/log, so no path comes from the user here).
 */
import type { StepStatus } from "../agent/steps-status.ts";
import { NotFoundError } from "../core/errors.ts";
import type { AgentClient } from "../ssh/agent-client.ts";

export interface Checklist {
  status: string;
  bootstrap_script?: string;
  bundles: StepStatus[];
  setup: StepStatus[];
}

export function fetchChecklist(agent: AgentClient): Promise<Checklist> {
  return agent.get<Checklist>("/bootstrap");
}

/** A bundle's step: a background one, or one the project's setup installed. */
export function findBundle(c: Checklist, name: string): StepStatus {
  const found = c.bundles.find((b) => b.name === name) ?? c.setup.find((s) => s.name === `bundle ${name}`);
  if (!found?.log) {
    const known = [
      ...c.bundles.map((b) => b.name),
      ...c.setup.filter((s) => s.name.startsWith("bundle ")).map((s) => s.name.slice(7)),
    ];
    throw new NotFoundError("Bundle", name, {
      hint: known.length
        ? `Bundles here: ${known.join(", ")}`
        : "No bundles were chosen (config tools/ai_tools/environment, or spuff.yaml bundles).",
    });
  }
  return found;
}

/** The step -f follows: the one running now, else the last that ran. */
export function currentSetupStep(c: Checklist): StepStatus {
  const running = c.setup.find((s) => s.status === "running" || s.status === "installing");
  const ran = c.setup.filter((s) => s.status !== "pending" && s.status !== "skipped" && s.log);
  const step = running ?? ran.at(-1);
  if (!step?.log) {
    throw new NotFoundError("Setup step that ran", "setup", {
      hint: "Setup steps come from spuff.yaml (packages, repositories, setup, hooks.post_up) at `spuff up`.",
    });
  }
  return step;
}

export const stepHeader = (s: StepStatus) =>
  `==> ${s.id} ${s.name} (${s.status}${s.exit_code !== null && s.status === "failed" ? `, exit ${s.exit_code}` : ""}) <==`;
