/**
 * The prebuilds at a provider: its snapshots whose names parse as `spuff-pb-PROJECT-HASH16`
 * (prebuild/key.ts), the one for a key, and which ones a newer prebuild of the same project has
 * superseded (`prebuild.keep`). Pure over the provider's snapshot list.
 */
import type { Snapshot } from "../providers/types.ts";
import { parsePrebuildName } from "./key.ts";

export interface Prebuild extends Snapshot {
  project: string;
  hash16: string;
}

export function prebuildsOf(snapshots: readonly Snapshot[]): Prebuild[] {
  const out: Prebuild[] = [];
  for (const s of snapshots) {
    const p = parsePrebuildName(s.name);
    if (p) out.push({ ...s, ...p });
  }
  // Newest first, then by name, so lists and `keep` are stable.
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.name.localeCompare(b.name));
}

/** The prebuild named `name` (a key's name), or undefined. */
export function matchPrebuild(snapshots: readonly Snapshot[], name: string): Prebuild | undefined {
  return prebuildsOf(snapshots).find((p) => p.name === name);
}

/**
 * Beyond the `keep` newest of each project: what `prebuild gc` (and a new prebuild) removes.
 * `project` limits it to one project; keep is at least 1 (the newest is never superseded).
 */
export function superseded(snapshots: readonly Snapshot[], keep: number, project?: string): Prebuild[] {
  const n = Math.max(1, Math.floor(keep));
  const seen = new Map<string, number>();
  const out: Prebuild[] = [];
  for (const p of prebuildsOf(snapshots)) {
    if (project !== undefined && p.project !== project) continue;
    const count = (seen.get(p.project) ?? 0) + 1;
    seen.set(p.project, count);
    if (count > n) out.push(p);
  }
  return out;
}
