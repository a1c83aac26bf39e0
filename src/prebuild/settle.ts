/**
 * A prebuild snapshots a finished environment: the config bundles, which `up` starts in the
 * background, must have settled first, and every one must be done (a failed or half-installed
 * bundle is never baked in). Bounded in polls and in time on the injected clock.
 */
import type { StepStatus } from "../agent/steps-status.ts";
import type { Clock } from "../core/clock.ts";
import { UserError } from "../core/errors.ts";

const SETTLED = new Set(["done", "failed", "skipped"]);
export const SETTLE_POLL_MS = 2000;

export async function waitBundlesSettled(
  read: () => Promise<StepStatus[]>,
  o: { clock: Clock; timeoutMs: number; expected: number; onProgress?: (line: string) => void },
): Promise<StepStatus[]> {
  const deadline = o.clock.now() + o.timeoutMs;
  const polls = Math.ceil(o.timeoutMs / SETTLE_POLL_MS) + 1;
  let steps: StepStatus[] = [];
  for (let i = 0; i < polls; i++) {
    // A read that fails (a dropped exec) only costs one poll.
    steps = await read().catch(() => steps);
    const settled = steps.length >= o.expected && steps.every((s) => SETTLED.has(s.status));
    if (settled) break;
    const at = steps.find((s) => s.status === "installing");
    if (at) o.onProgress?.(`bundle ${at.name}`);
    if (o.clock.now() + SETTLE_POLL_MS > deadline) {
      throw new UserError("prebuild_bundles_timeout", "The bundles did not finish installing in time.", {
        hint: "No prebuild was taken and the machine is destroyed. See which one hung with a plain `spuff up` and `spuff status`.",
        details: { bundles: steps.map((s) => `${s.name}:${s.status}`) },
      });
    }
    await o.clock.sleep(SETTLE_POLL_MS);
  }
  const bad = steps.filter((s) => s.status !== "done" && s.status !== "skipped");
  if (bad.length > 0) {
    throw new UserError(
      "prebuild_bundle_failed",
      `Bundle ${bad.map((s) => `${s.name} (${s.status}${s.reason ? `: ${s.reason}` : ""})`).join(", ")} did not install; a prebuild holds only a finished environment.`,
      {
        hint: "No prebuild was taken and the machine is destroyed. See the bundle's log with a plain `spuff up` and `spuff logs NAME --bundle B`.",
      },
    );
  }
  return steps;
}
