/**
 * The phases of `spuff up`, in the order `applyUp` (up/apply.ts) runs them: the one list the
 * progress display, the state record's `phase` column and the failure message all name.
 */
import { type EnvironmentPlan, hasEnvironment, hasSetup } from "./environment.ts";

export const UP_PHASES = [
  // The plan was made by the command before any side effect; this phase reports it.
  "generate_cloud_config",
  // The intent record is saved just before this one, and the provider's id right after.
  "create_instance",
  "wait_ready",
  // Only with a workspace volume (up/volume.ts): found or created in the instance's region, attached.
  "attach_volume",
  "wait_ssh",
  "login",
  // The host key user-data carried is replaced by one made on the VM (up/host-key-rotate.ts).
  "rotate_host_key",
  "upload_agent",
  "wait_cloud_init",
  // Only with a workspace volume: formatted if blank, mounted at ~/workspace before anything clones there.
  "mount_volume",
  "start_agent",
  // Only when there is something to do (phasesFor): config bundles and/or a spuff.yaml.
  "environment",
  "setup",
] as const;
export type UpPhase = (typeof UP_PHASES)[number];

/** The phases this `up` will go through, in order (what the progress list shows). */
export function phasesFor(env: EnvironmentPlan | undefined, opts: { volume?: boolean } = {}): UpPhase[] {
  return UP_PHASES.filter(
    (p) =>
      ((p !== "attach_volume" && p !== "mount_volume") || opts.volume === true) &&
      (p !== "environment" || (env !== undefined && hasEnvironment(env))) &&
      (p !== "setup" || (env !== undefined && hasSetup(env))),
  );
}

export interface PhaseEvent {
  phase: UpPhase;
  /** progress: a detail update while the phase runs (wait_cloud_init: the log's last line). */
  status: "start" | "progress" | "done" | "failed";
  /** Duration of the phase (done/failed). */
  ms?: number;
  detail?: string;
  /** done: the phase's work was found already done in the prebuild the machine booted from. */
  cached?: boolean;
}
