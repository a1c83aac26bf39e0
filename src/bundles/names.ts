/** Bundle names alone (no scripts), so the config schema can name them without loading scripts. */

/** Tool bundles for the `tools` config key (and a project's `bundles`). */
export const TOOL_BUNDLES = ["docker", "shell-tools", "node", "python", "go", "rust"] as const;
/** The `environment` config key: a package manager for reproducible environments. */
export const ENVIRONMENTS = ["none", "devbox", "nix"] as const;
/** AI coding CLIs for the `ai_tools` config key: only the selected ones are installed. */
export const AI_TOOLS = ["claude-code", "codex"] as const;

export const BUNDLE_NAMES = [...TOOL_BUNDLES, "devbox", "nix", ...AI_TOOLS] as const;
export type BundleName = (typeof BUNDLE_NAMES)[number];
export type Environment = (typeof ENVIRONMENTS)[number];
