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
