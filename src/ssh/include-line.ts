/**
 * `spuff ssh-config install`: add one `Include` line for spuff's ssh_config at the top of the user's
 * ~/.ssh/config (Include only applies to hosts matched after it). Atomic, backed up, idempotent.
 */
import fs from "node:fs";
import { writeFileAtomic } from "../core/fs-atomic.ts";

export interface IncludePlan {
  file: string;
  line: string;
  alreadyInstalled: boolean;
  before: string;
  after: string;
}

export function includeLine(sshConfigPath: string): string {
  return `Include ${/\s/.test(sshConfigPath) ? `"${sshConfigPath}"` : sshConfigPath}`;
}

export function planInclude(userConfig: string, spuffConfig: string): IncludePlan {
  const line = includeLine(spuffConfig);
  const before = fs.existsSync(userConfig) ? fs.readFileSync(userConfig, "utf8") : "";
  const alreadyInstalled = before.split("\n").some((l) => l.trim() === line);
  const after = alreadyInstalled
    ? before
    : `# Added by spuff (spuff ssh-config install)\n${line}\n\n${before}`;
  return { file: userConfig, line, alreadyInstalled, before, after };
}

/** Apply a plan; returns the backup path (undefined when there was no file to back up). */
export function applyInclude(plan: IncludePlan, now: Date): string | undefined {
  if (plan.alreadyInstalled) return undefined;
  let backup: string | undefined;
  let mode = 0o600;
  if (fs.existsSync(plan.file)) {
    mode = fs.statSync(plan.file).mode & 0o777;
    backup = `${plan.file}.spuff-backup-${now.toISOString().replace(/[:.]/g, "-")}`;
    fs.copyFileSync(plan.file, backup);
  }
  writeFileAtomic(plan.file, plan.after, mode);
  return backup;
}
