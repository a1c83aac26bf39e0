/**
 * Files for the spuff agent that cloud-init writes. The unit is installed but not enabled: the
 * CLI uploads the agent bundle and /etc/spuff/agent.env (holding the agent token, which must
 * never travel in user-data), enables the unit, and starts it once cloud-init is done.
 */
import type { ProviderName } from "../config/schema.ts";
import type { Teardown } from "./args.ts";

export const AGENT_UNIT_PATH = "/etc/systemd/system/spuff-agent.service";
export const AGENT_ENV_PATH = "/etc/spuff/agent.env";
export const AGENT_SETTINGS_PATH = "/etc/spuff/agent.json";
export const AGENT_BUNDLE_PATH = "/opt/spuff/spuff-agent.cjs";
/** The optional reaper token (root, 0600), uploaded over SSH like agent.env; the agent's default path. */
export const AGENT_REAPER_TOKEN_PATH = "/etc/spuff/reaper.token";

/** The unit text; `user` was validated as a login name, so it is safe inside the unit file. */
export function agentUnit(user: string): string {
  return [
    "[Unit]",
    "Description=spuff agent (idle tracking, status, exec)",
    "After=network-online.target",
    "Wants=network-online.target",
    // Not startable until the CLI has uploaded the token file.
    `ConditionPathExists=${AGENT_ENV_PATH}`,
    "",
    "[Service]",
    "Type=simple",
    // Root so it can power off or tear down the VM; commands it runs drop to the dev user.
    "User=root",
    `Environment=SPUFF_DEV_USER=${user}`,
    `EnvironmentFile=${AGENT_ENV_PATH}`,
    `ExecStart=/usr/bin/node ${AGENT_BUNDLE_PATH}`,
    "Restart=on-failure",
    "RestartSec=2",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** The agent's idle/lifetime settings, read at start. Field names are the agent's contract. */
export interface AgentSettings {
  idle_timeout_seconds: number;
  max_lifetime_seconds: number;
  created_at: string;
  provider: ProviderName;
  teardown: Teardown;
  api_base_url?: string;
  metadata_base_url?: string;
  spot?: true;
  workspace_on_volume?: true;
}

export function agentSettingsJson(s: AgentSettings): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}
