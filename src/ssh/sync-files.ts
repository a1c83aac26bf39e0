/** Rewrite spuff's ssh_config and known_hosts from local state (after up, down, gc). */
import type { ForwardAgent } from "../config/schema.ts";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import type { Paths } from "../core/paths.ts";
import type { InstanceRecord } from "../state/types.ts";
import { renderKnownHosts, renderSshConfig, type SshHostEntry } from "./ssh-config.ts";

export function hostEntries(
  instances: InstanceRecord[],
  opts: { identityFile: string; forwardAgent: ForwardAgent },
): SshHostEntry[] {
  return instances
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
