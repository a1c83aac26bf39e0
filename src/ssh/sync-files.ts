/** Rewrite spuff's ssh_config and known_hosts from local state (after up, down, gc). */
import type { ForwardAgent } from "../config/schema.ts";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import type { Paths } from "../core/paths.ts";
import type { InstanceRecord } from "../state/types.ts";
import { hostAlias, renderKnownHosts, renderSshConfig, type SshHostEntry } from "./ssh-config.ts";

/**
 * Two instances can want one Host (`box` and `spuff-box` both map to `spuff-box`): the one whose
 * name is the alias keeps it, the other gets no block (`spuff ssh box` still reaches it), so
 * plain `ssh spuff-box` never lands on the wrong machine.
 */
function withoutAliasClashes(records: InstanceRecord[]): InstanceRecord[] {
  const names = new Set(records.map((r) => r.name));
  return records.filter((r) => hostAlias(r.name) === r.name || !names.has(hostAlias(r.name)));
}

export function hostEntries(
  instances: InstanceRecord[],
  opts: { identityFile: string; forwardAgent: ForwardAgent },
): SshHostEntry[] {
  return withoutAliasClashes(instances)
    .filter((r) => r.ip && r.hostKey)
    .map((r) => ({
      name: r.name,
      host: r.ip as string,
      port: r.sshPort,
      user: r.sshUser,
      identityFile: opts.identityFile,
      hostKey: r.hostKey as string,
      forwardAgent: opts.forwardAgent,
    }));
}

export function syncSshFiles(paths: Paths, entries: SshHostEntry[]): void {
  // known_hosts first: a Host block must never point at a key file that lacks its key.
  writeFileAtomic(paths.knownHosts, renderKnownHosts(entries), 0o600);
  writeFileAtomic(paths.sshConfig, renderSshConfig(entries, paths.knownHosts), 0o600);
}
