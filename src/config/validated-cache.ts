/**
 * config.yaml as this build validated it, so a command that only reads settings (`list --live`,
 * `status`) skips loading yaml and zod: about a third of such a command's own time. The copy holds
 * the build id and the file's exact bytes it was validated from, compared as they are (no hash:
 * node:crypto alone costs these commands ~5 ms): any edit of the file, by spuff or by hand, and any
 * other build miss it, and the full read (file.ts) runs, refuses what it refuses, and writes it
 * again. It holds what config.yaml holds, tokens included, so it is written like it: 0600,
 * atomically, in the same 0700 folder. Only yaml-free, zod-free modules are imported here.
 */
import fs from "node:fs";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import { readWithMode } from "../core/read-with-mode.ts";
import type { ConfigFile } from "./schema.ts";
import { hasSecret } from "./secret-keys.ts";

export interface FastConfig {
  exists: boolean;
  config: ConfigFile;
}

/**
 * The validated config when this build's copy matches the file's bytes; a missing file is an
 * empty config. Undefined means "do the full read" (no copy, another build, an edited file, or a
 * file whose mode the full read must refuse with its error).
 */
export function readConfigFast(file: string, cacheFile: string, buildId: string): FastConfig | undefined {
  let text: string;
  let mode: number;
  try {
    ({ text, mode } = readWithMode(file));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? { exists: false, config: {} } : undefined;
  }
  let cached: { build?: unknown; source?: unknown; config?: unknown };
  try {
    cached = JSON.parse(fs.readFileSync(cacheFile, "utf8"));
  } catch {
    return undefined;
  }
  if (
    cached.build !== buildId ||
    cached.source !== text ||
    !cached.config ||
    typeof cached.config !== "object"
  ) {
    return undefined;
  }
  const config = cached.config as ConfigFile;
  if ((mode & 0o077) !== 0 && hasSecret(config)) return undefined;
  return { exists: true, config };
}

/** Keeps the copy for the next command; a failure to write only costs that command the full read. */
export function writeConfigCache(cacheFile: string, buildId: string, text: string, config: ConfigFile): void {
  try {
    writeFileAtomic(cacheFile, `${JSON.stringify({ build: buildId, source: text, config })}\n`, 0o600);
  } catch {
    // Read-only config dir, full disk: the next command reads config.yaml in full, as before.
  }
}
