/**
 * How `up` reports a project's setup: the failed step with its log's last lines, and the exit
 * decision (a failed step fails `up` unless --allow-setup-failure; the instance stays, usable).
 */
import type { Deps } from "../cli/deps.ts";
import { UserError } from "../core/errors.ts";
import type { SetupReport } from "../up/environment.ts";

export function setupJson(r: SetupReport | undefined) {
  if (!r) return undefined;
  return {
    status: r.ok ? "done" : "failed",
    steps: r.steps.map((s) => ({
      id: s.id,
      name: s.name,
      status: s.status,
      exit_code: s.exit_code,
      log: s.log,
    })),
    ...(r.failed ? { failed_step: r.failed.name, log_tail: r.logTail ?? [] } : {}),
  };
}

export function reportSetup(
  deps: Deps,
  name: string,
  r: SetupReport | undefined,
  allowFailure: boolean,
): void {
  if (!r || r.ok) return;
  const f = r.failed;
  if (!deps.json) {
    deps.io.err.write(
      `Setup step ${f?.id ?? "?"} failed (exit ${f?.exit_code ?? "?"}): ${f?.name ?? "?"}\n` +
        (r.logTail?.length ? `--- ${f?.log} (last lines) ---\n${r.logTail.join("\n")}\n` : "") +
        `Later steps were skipped. Full log: spuff logs ${name} --setup\n`,
    );
  }
  if (allowFailure) return;
  throw new UserError("setup_failed", `The project setup failed at step ${f?.id}: ${f?.name}`, {
    hint: `The instance is up: inspect it with \`spuff status ${name}\` and \`spuff logs ${name} --setup\`, fix spuff.yaml, or pass --allow-setup-failure.`,
    details: { instance: name, step: f?.name ?? null, exit_code: f?.exit_code ?? null, log: f?.log ?? null },
  });
}
