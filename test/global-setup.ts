/**
 * Build the bundles before any test that runs the real binaries. The e2e and machines projects
 * both list this file; vitest runs each project's global setup, so the second call is skipped.
 */
import { execFileSync } from "node:child_process";

const BUILT = "SPUFF_TEST_BUILT";

export default function setup(): void {
  if (process.env[BUILT] === "1") return;
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  process.env[BUILT] = "1";
}
