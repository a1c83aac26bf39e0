/**
 * The agent's two inputs from disk: the token (agent.env, uploaded by the CLI over SSH so it never
 * travels in user-data) and the idle/lifetime settings (agent.json, written by cloud-init).
 */
import { readFileSync } from "node:fs";
import { AGENT_REAPER_TOKEN_PATH } from "../cloudinit/agent-unit.ts";
import { readSettingsFile } from "./settings-trust.ts";

export const DEFAULT_ENV_FILE = "/etc/spuff/agent.env";
export const DEFAULT_SETTINGS_FILE = "/etc/spuff/agent.json";
/** Shorter tokens are refused: the CLI generates 32 random bytes, so anything short is a mistake. */
const MIN_TOKEN_LENGTH = 16;

/** A configuration problem that stops the agent from starting; main prints it and exits non-zero. */
export class AgentConfigError extends Error {
  override name = "AgentConfigError";
}

export interface AgentSettings {
  idle_timeout_seconds: number;
  max_lifetime_seconds: number;
  /** Epoch ms (parsed from the ISO string or epoch seconds in the file). */
  created_at: number;
  provider: string;
  teardown: "destroy" | "poweroff";
  warn_minutes: number;
  reaper_token_file: string;
  api_base_url?: string;
  metadata_base_url?: string;
  /** An AWS spot machine: watch the metadata service for AWS's interruption notice. */
  spot?: boolean;
  /** The workspace lives on a volume that outlives the machine: no unsaved-work guard (unsaved-guard.ts). */
  workspace_on_volume?: boolean;
  /** Past max_lifetime, how long unsaved work keeps the machine for the CLI's snapshot (default 6 h). */
  unsaved_grace_seconds?: number;
}

/** Used when agent.json is absent: nothing is ever torn down automatically. */
export function defaultSettings(now: number): AgentSettings {
  return {
    idle_timeout_seconds: 0,
    max_lifetime_seconds: 0,
    created_at: now,
    provider: "local",
    teardown: "poweroff",
    warn_minutes: 5,
    reaper_token_file: AGENT_REAPER_TOKEN_PATH,
  };
}

/** Token from SPUFF_AGENT_TOKEN, else the `SPUFF_AGENT_TOKEN=` line of the env file. */
export function loadToken(env: Record<string, string | undefined>, envFile: string): string {
  let token = env["SPUFF_AGENT_TOKEN"]?.trim();
  if (!token) {
    let text: string;
    try {
      text = readFileSync(envFile, "utf8");
    } catch (err) {
      throw new AgentConfigError(
        `no agent token: SPUFF_AGENT_TOKEN is unset and ${envFile} cannot be read (${(err as Error).message})`,
      );
    }
    const line = text.split(/\r?\n/).find((l) => /^\s*(export\s+)?SPUFF_AGENT_TOKEN=/.test(l));
    token = line
      ?.slice(line.indexOf("=") + 1)
      .trim()
      .replace(/^(["'])(.*)\1$/, "$2");
  }
  if (!token) throw new AgentConfigError(`no agent token: no SPUFF_AGENT_TOKEN= line in ${envFile}`);
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new AgentConfigError(`agent token is too short (${token.length} < ${MIN_TOKEN_LENGTH} characters)`);
  }
  return token;
}

function nonNegative(obj: Record<string, unknown>, key: string, fallback: number): number {
  const v = obj[key] ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new AgentConfigError(`agent.json: ${key} must be a non-negative number`);
  }
  return v;
}

function optionalString(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v === "") throw new AgentConfigError(`agent.json: ${key} must be a string`);
  return v;
}

/** A flag that is absent, true or false: anything else ("yes", 1, "true") is refused. */
function flag(o: Record<string, unknown>, key: "spot" | "workspace_on_volume"): boolean {
  const v = o[key];
  if (v !== undefined && typeof v !== "boolean")
    throw new AgentConfigError(`agent.json: ${key} must be true or false`);
  return v === true;
}

/** Parses agent.json text; every field is optional except that present fields must be well-formed. */
export function parseSettings(text: string, now: number): AgentSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AgentConfigError("agent.json is not valid JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new AgentConfigError("agent.json must hold a JSON object");
  }
  const o = raw as Record<string, unknown>;
  const d = defaultSettings(now);
  let createdAt = d.created_at;
  if (typeof o["created_at"] === "number") createdAt = o["created_at"] * 1000;
  else if (typeof o["created_at"] === "string") createdAt = Date.parse(o["created_at"]);
  if (!Number.isFinite(createdAt)) throw new AgentConfigError("agent.json: created_at is not a valid time");
  const teardown = o["teardown"] ?? d.teardown;
  if (teardown !== "destroy" && teardown !== "poweroff") {
    throw new AgentConfigError('agent.json: teardown must be "destroy" or "poweroff"');
  }
  return {
    idle_timeout_seconds: nonNegative(o, "idle_timeout_seconds", 0),
    max_lifetime_seconds: nonNegative(o, "max_lifetime_seconds", 0),
    created_at: createdAt,
    provider: optionalString(o, "provider") ?? d.provider,
    teardown,
    warn_minutes: nonNegative(o, "warn_minutes", d.warn_minutes),
    reaper_token_file: optionalString(o, "reaper_token_file") ?? d.reaper_token_file,
    api_base_url: optionalString(o, "api_base_url"),
    metadata_base_url: optionalString(o, "metadata_base_url"),
    ...(flag(o, "spot") ? { spot: true } : {}),
    ...(flag(o, "workspace_on_volume") ? { workspace_on_volume: true } : {}),
    ...(o["unsaved_grace_seconds"] !== undefined
      ? { unsaved_grace_seconds: nonNegative(o, "unsaved_grace_seconds", 0) }
      : {}),
  };
}

/**
 * Reads agent.json; a missing file means "no automatic teardown", a broken one is an error. A file
 * the agent cannot believe (settings-trust.ts) may not lower the unsaved-work guard: its
 * `workspace_on_volume` is dropped, and `warn` says why.
 */
export function loadSettings(
  file: string,
  now: number,
  required = false,
  o: { uid?: number; warn?: (line: string) => void } = {},
): AgentSettings {
  let read: { text: string; untrusted?: string };
  try {
    read = readSettingsFile(file, o.uid ?? process.getuid?.() ?? 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && !required) return defaultSettings(now);
    throw new AgentConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const { workspace_on_volume, ...settings } = parseSettings(read.text, now);
  if (!workspace_on_volume) return settings;
  if (!read.untrusted) return { ...settings, workspace_on_volume };
  (o.warn ?? ((l) => process.stderr.write(`${l}\n`)))(
    `${file}: workspace_on_volume ignored (${read.untrusted}); the unsaved-work guard checks ~/workspace`,
  );
  return settings;
}
