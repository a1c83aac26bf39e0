/** Where bundles, setup steps, their statuses and logs live on the VM (the agent reads the same). */
export const VM_BUNDLES_DIR = "/opt/spuff/bundles";
export const VM_RUNNER = `${VM_BUNDLES_DIR}/run-steps.sh`;
/** Status files: bundles/ (root, async) and setup/ (the dev user, run by `up`). */
export const VM_STEPS_ROOT = "/var/lib/spuff";
export const VM_LOG_ROOT = "/var/log/spuff";
export const BUNDLES_UNIT = "spuff-bundles";

export const stateDir = (kind: "bundles" | "setup") => `${VM_STEPS_ROOT}/${kind}`;
export const logDir = (kind: "bundles" | "setup") => `${VM_LOG_ROOT}/${kind}`;
export const bundleScriptPath = (name: string) => `${VM_BUNDLES_DIR}/bundle-${name}.sh`;
/** The project's env (secrets included): 0600, owned by the dev user, sourced by login shells. */
export const envFilePath = (home: string) => `${home}/.config/spuff/env.sh`;
/**
 * spuff.yaml's pre_down hook as a script (project/pre-down-script.ts), 0700, owned by the dev
 * user: put there by `up` on spot machines, run by the agent (as that user) on AWS's notice.
 */
export const preDownScriptPath = (home: string) => `${home}/.config/spuff/pre-down.sh`;
