/** `spuff status`'s checklist rows: one per bundle and setup step, with what to run for its log. */
import type { StepStatus } from "../agent/steps-status.ts";
import type { Checklist } from "./logs-steps.ts";

const MARK: Record<StepStatus["status"], string> = {
  done: "✓",
  failed: "✗",
  skipped: "-",
  pending: "…",
  installing: "…",
  running: "…",
};

function line(s: StepStatus, logHint: string): string {
  const extra =
    s.status === "done"
      ? `${s.version ? ` ${s.version}` : ""}${s.reason === "cached" ? " (cached in the prebuild)" : ""}`
      : s.status === "failed"
        ? ` (failed, exit ${s.exit_code ?? "?"}; ${logHint})`
        : ` (${s.status}${s.reason ? `: ${s.reason}` : ""})`;
  return `${MARK[s.status]} ${s.name}${extra}`;
}

export function checklistRows(c: Checklist, instance: string): [string, string][] {
  const rows: [string, string][] = [];
  c.bundles.forEach((b, i) => {
    rows.push([i === 0 ? "Bundles" : "", line(b, `spuff logs ${instance} --bundle ${b.name}`)]);
  });
  c.setup.forEach((s, i) => {
    rows.push([i === 0 ? "Setup" : "", line(s, `spuff logs ${instance} --setup`)]);
  });
  return rows;
}
