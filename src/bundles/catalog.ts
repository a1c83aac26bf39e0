/**
 * The tool bundles spuff can install on a VM: names, what each needs first, and its script (a
 * shellcheck-clean file in scripts/, embedded in the CLI by cloudinit/generate-scripts.ts). Bundle
 * scripts travel over the pinned SSH connection, not in user-data, so the choice of bundles never
 * counts against a provider's user-data limit (AWS: 16 KB).
 */
import { EMBEDDED_SCRIPTS } from "../cloudinit/scripts.generated.ts";

import type { BundleName, Environment } from "./names.ts";

export { BUNDLE_NAMES, type BundleName } from "./names.ts";

/** Bundles that must be installed first (npm comes with the node bundle). */
const NEEDS: Partial<Record<BundleName, readonly BundleName[]>> = {
  "claude-code": ["node"],
  codex: ["node"],
};

export const BUNDLE_SCRIPT: Readonly<Record<BundleName, string>> = {
  docker: EMBEDDED_SCRIPTS["bundle-docker.sh"],
  "shell-tools": EMBEDDED_SCRIPTS["bundle-shell-tools.sh"],
  node: EMBEDDED_SCRIPTS["bundle-node.sh"],
  python: EMBEDDED_SCRIPTS["bundle-python.sh"],
  go: EMBEDDED_SCRIPTS["bundle-go.sh"],
  rust: EMBEDDED_SCRIPTS["bundle-rust.sh"],
  devbox: EMBEDDED_SCRIPTS["bundle-devbox.sh"],
  nix: EMBEDDED_SCRIPTS["bundle-nix.sh"],
  "claude-code": EMBEDDED_SCRIPTS["bundle-claude-code.sh"],
  codex: EMBEDDED_SCRIPTS["bundle-codex.sh"],
};

export const BUNDLE_LIB = EMBEDDED_SCRIPTS["bundle-lib.sh"];
export const RUN_STEPS = EMBEDDED_SCRIPTS["run-steps.sh"];

export interface BundleChoice {
  tools?: readonly string[];
  environment?: Environment;
  aiTools?: readonly string[];
  /** A project's `bundles` (spuff.yaml), added to the config's choice. */
  project?: readonly string[];
}

/**
 * The bundles to install, in install order: each one's needs come before it, nothing twice,
 * otherwise in the order chosen (config, then project). Names were validated by the schemas.
 */
export function selectBundles(c: BundleChoice): BundleName[] {
  const wanted = [
    ...(c.tools ?? []),
    ...(c.environment && c.environment !== "none" ? [c.environment] : []),
    ...(c.aiTools ?? []),
    ...(c.project ?? []),
  ] as BundleName[];
  const out: BundleName[] = [];
  const add = (b: BundleName) => {
    if (out.includes(b)) return;
    for (const n of NEEDS[b] ?? []) add(n);
    out.push(b);
  };
  for (const b of wanted) add(b);
  return out;
}
