/**
 * The SSH hosts spuff.yaml clones from, and the user's own known_hosts lines for them: git on the
 * VM checks host keys strictly against exactly these (never trust on first use), and a host the
 * user has never accepted is an error before the machine is created.
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { ConfigError } from "../core/errors.ts";
import type { Repository } from "./load.ts";

export interface GitHost {
  host: string;
  port: number;
}

/** The SSH host of a git URL (git@host:path, ssh://[user@]host[:port]/path); undefined for https. */
export function sshHostOf(url: string): GitHost | undefined {
  const scp = /^[^@/\s]+@([^:/\s]+):/.exec(url);
  if (scp?.[1]) return { host: scp[1], port: 22 };
  const ssh = /^ssh:\/\/(?:[^@/\s]+@)?(\[[^\]]+\]|[^:/\s]+)(?::(\d+))?\//.exec(url);
  if (ssh?.[1]) return { host: ssh[1].replace(/^\[|\]$/g, ""), port: ssh[2] ? Number(ssh[2]) : 22 };
  return undefined;
}

/** known_hosts names a non-standard port as [host]:port. */
export const knownHostsName = (h: GitHost) => (h.port === 22 ? h.host : `[${h.host}]:${h.port}`);

/** `ssh-keygen -F NAME -f FILE`: the matching lines (hashed or not), comments dropped. */
export function lookupKnownHost(name: string, file: string): string[] {
  const r = spawnSync("ssh-keygen", ["-F", name, "-f", file], { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) return [];
  return r.stdout.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
}

/**
 * The known_hosts text for every SSH host in `repositories`, from the user's file; throws
 * git_host_unknown naming the host and the fix when one was never accepted here.
 */
export function gitKnownHosts(
  repositories: readonly Repository[],
  userKnownHosts: string,
  lookup = lookupKnownHost,
): string {
  const hosts = new Map<string, GitHost>();
  for (const r of repositories) {
    const h = sshHostOf(r.url);
    if (h) hosts.set(knownHostsName(h), h);
  }
  const lines: string[] = [];
  for (const [name, h] of hosts) {
    const found = lookup(name, userKnownHosts);
    if (found.length === 0) {
      throw new ConfigError(
        "git_host_unknown",
        `spuff.yaml clones from ${name}, whose SSH host key is not in ${userKnownHosts}; the VM only trusts keys you have accepted.`,
        {
          hint: `Connect once from this computer and check the fingerprint it shows: ssh -p ${h.port} -T git@${h.host} (or add the host's published key to ${path.basename(userKnownHosts)}).`,
          details: { host: name },
        },
      );
    }
    lines.push(...found);
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** The user's own known_hosts (~/.ssh/known_hosts of $HOME). */
export function userKnownHostsFile(env: NodeJS.ProcessEnv): string {
  return path.join(env.HOME || os.homedir(), ".ssh", "known_hosts");
}
