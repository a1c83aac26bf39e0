/**
 * buildCloudConfig: validated args in, a typed cloud-config object out. No YAML and no string
 * templating of scripts here: scripts are embedded verbatim and get their values from an env
 * file of shell-quoted assignments (shell-quote.ts).
 */

import { AGENT_SETTINGS_PATH, AGENT_UNIT_PATH, agentSettingsJson, agentUnit } from "./agent-unit.ts";
import { type CloudConfigArgs, validateCloudConfigArgs } from "./args.ts";
import { EMBEDDED_SCRIPTS } from "./scripts.generated.ts";
import { renderEnvFile } from "./shell-quote.ts";
import type { CloudConfig, CloudConfigWriteFile } from "./types.ts";

/** Minimal set: nodejs runs the agent; git for dotfiles; curl + ca-certificates for HTTPS. */
export const BASE_PACKAGES = ["nodejs", "git", "curl", "ca-certificates"] as const;

export const BOOTSTRAP_SYNC_PATH = "/opt/spuff/bootstrap-sync.sh";
export const BOOTSTRAP_ASYNC_PATH = "/opt/spuff/bootstrap-async.sh";
export const BOOTSTRAP_ENV_PATH = "/etc/spuff/bootstrap.env";
export const BOOTSTRAP_STATUS_PATH = "/opt/spuff/bootstrap.status";
export const PROFILE_SNIPPET_PATH = "/etc/profile.d/spuff.sh";
export const KEEPALIVE_COMMAND_PATH = "/usr/local/bin/spuff-keepalive";
export const BOOTSTRAP_UNIT = "spuff-bootstrap";

export function homeOf(user: string): string {
  return `/home/${user}`;
}

/** The values the bootstrap scripts read; every key is always present because they run with set -u. */
export function bootstrapEnv(args: CloudConfigArgs): Record<string, string> {
  return {
    SPUFF_USER: args.user,
    SPUFF_HOME: homeOf(args.user),
    SPUFF_DOTFILES_URL: args.dotfiles ?? "",
    SPUFF_DOTFILES_DIR: `${homeOf(args.user)}/.dotfiles`,
    SPUFF_DOTFILES_KNOWN_HOSTS: args.dotfilesKnownHosts ?? "",
  };
}

function writeFiles(args: CloudConfigArgs): CloudConfigWriteFile[] {
  const root = "root:root";
  return [
    {
      path: BOOTSTRAP_ENV_PATH,
      content: renderEnvFile(bootstrapEnv(args)),
      permissions: "0600",
      owner: root,
    },
    {
      path: BOOTSTRAP_SYNC_PATH,
      content: EMBEDDED_SCRIPTS["bootstrap-sync.sh"],
      permissions: "0755",
      owner: root,
    },
    {
      path: BOOTSTRAP_ASYNC_PATH,
      content: EMBEDDED_SCRIPTS["bootstrap-async.sh"],
      permissions: "0755",
      owner: root,
    },
    { path: AGENT_UNIT_PATH, content: agentUnit(args.user), permissions: "0644", owner: root },
    {
      path: AGENT_SETTINGS_PATH,
      content: agentSettingsJson({
        idle_timeout_seconds: args.idleTimeoutSeconds,
        max_lifetime_seconds: args.maxLifetimeSeconds,
        created_at: args.createdAt,
        provider: args.provider,
        teardown: args.teardown,
        ...(args.agentApiUrl ? { api_base_url: args.agentApiUrl } : {}),
        ...(args.agentMetadataUrl ? { metadata_base_url: args.agentMetadataUrl } : {}),
        ...(args.spot ? { spot: true as const } : {}),
        ...(args.workspaceOnVolume ? { workspace_on_volume: true as const } : {}),
      }),
      permissions: "0644",
      owner: root,
    },
    {
      path: PROFILE_SNIPPET_PATH,
      content: EMBEDDED_SCRIPTS["spuff-profile.sh"],
      permissions: "0644",
      owner: root,
    },
    {
      path: KEEPALIVE_COMMAND_PATH,
      content: EMBEDDED_SCRIPTS["spuff-keepalive.sh"],
      permissions: "0755",
      owner: root,
    },
  ];
}

export function buildCloudConfig(args: CloudConfigArgs): CloudConfig {
  validateCloudConfigArgs(args);
  return {
    hostname: args.hostname,
    manage_etc_hosts: true,
    users: [
      {
        name: args.user,
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        shell: "/bin/bash",
        lock_passwd: true,
        ssh_authorized_keys: [args.userPublicKey.trim()],
      },
    ],
    disable_root: true,
    ssh_pwauth: false,
    // The CLI already pinned this key in known_hosts; delete the image's keys and keep only it.
    // With ssh_keys set, cc_ssh generates nothing; ssh_genkeytypes is a second guard. It cannot
    // be [] (the schema has minItems: 1), and ed25519 already exists so it is not regenerated.
    ssh_keys: { ed25519_private: args.hostKey.privateKey, ed25519_public: args.hostKey.publicKey },
    ssh_deletekeys: true,
    ssh_genkeytypes: ["ed25519"],
    package_update: true,
    packages: [...new Set([...BASE_PACKAGES, ...(args.extraPackages ?? [])])],
    write_files: writeFiles(args),
    runcmd: [
      [BOOTSTRAP_SYNC_PATH],
      // A runcmd argv cannot background anything (`&` would be a literal argument), so phase 2
      // runs as a transient unit: cloud-init returns at once and logs go to the journal.
      // RuntimeMaxSec: a hung step is killed (SIGTERM), and the script's trap then writes "failed".
      [
        "systemd-run",
        "--unit",
        BOOTSTRAP_UNIT,
        "--no-block",
        "--collect",
        "--property=RuntimeMaxSec=3600",
        BOOTSTRAP_ASYNC_PATH,
      ],
    ],
    final_message: "spuff: cloud-init finished after $UPTIME seconds",
  };
}
