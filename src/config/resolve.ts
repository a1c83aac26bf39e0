/**
 * Effective settings: the config file plus environment plus defaults. Durations become
 * milliseconds, `~` is expanded, and each token records where it came from (env or file).
 */
import { parseCidr } from "../core/cidr.ts";
import { parseDuration } from "../core/duration.ts";
import { expandHome } from "../core/paths.ts";
import { parseMicros } from "../cost/money.ts";
import {
  CATALOG,
  ENTRIES,
  FALLBACK_PROVIDER,
  isTokenProvider,
  PROVIDERS,
  type ProviderName,
  TOKEN_PROVIDERS,
  type TokenProvider,
} from "../providers/catalog.ts";
import { volumeWish } from "../volumes/spec.ts";
import type { ConfigFile, ForwardAgent } from "./schema.ts";

/** Seed "Timeout Handling" table. */
export const DEFAULT_TIMEOUTS = {
  provider_api: "30s",
  ssh_port: "300s",
  ssh_login: "120s",
  cloud_init: "600s",
  exec: "30s",
} as const;

export const DEFAULTS = {
  idle_timeout: "2h",
  max_lifetime: "24h",
  ssh_key_path: "~/.ssh/id_ed25519",
  ssh_user: "dev",
  forward_agent: "auto",
} as const;

export interface Timeouts {
  providerApiMs: number;
  sshPortMs: number;
  sshLoginMs: number;
  cloudInitMs: number;
  execMs: number;
}

export interface TokenSource {
  value: string;
  from: "env" | "file";
  name: string;
}

export interface Settings {
  provider: ProviderName;
  /** Whether `provider` was chosen explicitly (config or flag) or defaulted. */
  providerExplicit: boolean;
  region: string | undefined;
  size: string | undefined;
  image: string | undefined;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  sshKeyPath: string;
  sshUser: string;
  forwardAgent: ForwardAgent;
  /** `ssh.allow_from`, canonical CIDRs; undefined = SSH from anywhere. */
  sshAllowFrom: string[] | undefined;
  dotfiles: string | undefined;
  /** The user's known_hosts lines for an SSH dotfiles host: filled in by `up` (never from config). */
  dotfilesKnownHosts?: string;
  /** Tool bundles chosen in config (src/bundles); empty unless set. */
  tools: NonNullable<ConfigFile["tools"]>;
  environment: NonNullable<ConfigFile["environment"]>;
  aiTools: NonNullable<ConfigFile["ai_tools"]>;
  timeouts: Timeouts;
  /** Budgets in micro-units of the target provider's currency (config `budget.*`); absent = none. */
  budget: { monthlyMicros?: number; maxHourlyMicros?: number };
  /** `prebuild.keep`: a project's newest prebuilds kept; older ones are superseded (default 1). */
  prebuildKeep: number;
  /** config `volume:` (src/volumes/spec.ts planVolume); undefined when not set. */
  volume?: { name?: string; sizeGb?: number };
  tokens: Partial<Record<TokenProvider, TokenSource>>;
  /**
   * The agent's token for deleting its own server (providers with an API token only): from
   * $SPUFF_REAPER_TOKEN or `<provider>.reaper_token`. Absent = the agent powers off instead.
   */
  reaperToken?: TokenSource;
  /**
   * Where the agent on the VM calls the provider API and metadata service, when not the
   * provider's real ones ($SPUFF_AGENT_API_URL, $SPUFF_AGENT_METADATA_URL: simulators in tests).
   */
  agentEndpoints?: { api?: string; metadata?: string };
  /**
   * Spot instances are the default for this provider (`aws.spot: true`), capped at
   * `aws.spot_max_price` (USD/hour, decimal text) when set; `up --spot` asks for them per run.
   */
  spot?: { default: boolean; maxPrice?: string };
  file: ConfigFile;
}

const ms = (v: string | number | undefined, fallback: string): number =>
  parseDuration(v ?? fallback) ?? (parseDuration(fallback) as number);

function envToken(env: NodeJS.ProcessEnv, names: readonly string[]): TokenSource | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { value, from: "env", name };
  }
  return undefined;
}

/** Each token provider's token: its environment variables first (catalog order), then the file. */
export function resolveTokens(file: ConfigFile, env: NodeJS.ProcessEnv): Settings["tokens"] {
  const tokens: Settings["tokens"] = {};
  for (const p of TOKEN_PROVIDERS) {
    const fromFile = file[p]?.token;
    const found =
      envToken(env, CATALOG[p].token.env) ??
      (fromFile ? { value: fromFile, from: "file" as const, name: `${p}.token` } : undefined);
    if (found) tokens[p] = found;
  }
  return tokens;
}

/** Only providers whose agent deletes its server through the API take a reaper token. */
function resolveReaperToken(file: ConfigFile, env: NodeJS.ProcessEnv, provider: ProviderName) {
  if (!isTokenProvider(provider)) return undefined;
  const fromFile = file[provider]?.reaper_token;
  return (
    envToken(env, ["SPUFF_REAPER_TOKEN"]) ??
    (fromFile ? { value: fromFile, from: "file" as const, name: `${provider}.reaper_token` } : undefined)
  );
}

function agentEndpoints(env: NodeJS.ProcessEnv): Settings["agentEndpoints"] {
  const api = env.SPUFF_AGENT_API_URL?.trim() || undefined;
  const metadata = env.SPUFF_AGENT_METADATA_URL?.trim() || undefined;
  return api || metadata ? { ...(api ? { api } : {}), ...(metadata ? { metadata } : {}) } : undefined;
}

/** Only providers whose section has spot keys (AWS) ever resolve any. */
function spotOf(section: { spot?: boolean; spot_max_price?: string } | undefined): Settings["spot"] {
  if (section?.spot === undefined && section?.spot_max_price === undefined) return undefined;
  return {
    default: section.spot === true,
    ...(section.spot_max_price !== undefined ? { maxPrice: String(section.spot_max_price) } : {}),
  };
}

/**
 * With no provider configured: the first provider in catalog order with credentials (a token,
 * or its credential variables), else the free fallback.
 */
function defaultProvider(tokens: Settings["tokens"], env: NodeJS.ProcessEnv): ProviderName {
  const found = PROVIDERS.find(
    (p) =>
      (isTokenProvider(p) && tokens[p] !== undefined) || ENTRIES[p].credentialEnv?.some((name) => env[name]),
  );
  return found ?? FALLBACK_PROVIDER;
}

function resolveBudget(b: ConfigFile["budget"]): Settings["budget"] {
  const monthly = b?.monthly === undefined ? undefined : parseMicros(b.monthly);
  const hourly = b?.max_hourly === undefined ? undefined : parseMicros(b.max_hourly);
  return {
    ...(monthly !== undefined ? { monthlyMicros: monthly } : {}),
    ...(hourly !== undefined ? { maxHourlyMicros: hourly } : {}),
  };
}

/** true (the old default) means auto, false never. */
function forwardAgentOf(v: ConfigFile["forward_agent"]): ForwardAgent {
  if (v === true) return "auto";
  if (v === false) return "never";
  return v ?? DEFAULTS.forward_agent;
}

export function resolveSettings(
  file: ConfigFile,
  env: NodeJS.ProcessEnv,
  overrides: { provider?: ProviderName } = {},
): Settings {
  const tokens = resolveTokens(file, env);
  const explicit = overrides.provider ?? file.provider;
  const provider = explicit ?? defaultProvider(tokens, env);
  const section = file[provider] as { region?: string; size?: string; image?: string } | undefined;
  const t = file.timeouts ?? {};
  const reaperToken = resolveReaperToken(file, env, provider);
  const endpoints = agentEndpoints(env);
  const spot = spotOf(file[provider] as { spot?: boolean; spot_max_price?: string } | undefined);
  return {
    provider,
    providerExplicit: explicit !== undefined,
    region: section?.region ?? file.region,
    size: section?.size ?? file.size,
    image: section?.image ?? file.image,
    idleTimeoutMs: ms(file.idle_timeout, DEFAULTS.idle_timeout),
    maxLifetimeMs: ms(file.max_lifetime, DEFAULTS.max_lifetime),
    sshKeyPath: expandHome(file.ssh_key_path ?? DEFAULTS.ssh_key_path, env.HOME || undefined),
    sshUser: file.ssh_user ?? DEFAULTS.ssh_user,
    forwardAgent: forwardAgentOf(file.forward_agent),
    sshAllowFrom: file.ssh?.allow_from?.map((c) => parseCidr(c)?.text ?? c),
    dotfiles: file.dotfiles,
    tools: file.tools ?? [],
    environment: file.environment ?? "none",
    aiTools: file.ai_tools ?? [],
    timeouts: {
      providerApiMs: ms(t.provider_api, DEFAULT_TIMEOUTS.provider_api),
      sshPortMs: ms(t.ssh_port, DEFAULT_TIMEOUTS.ssh_port),
      sshLoginMs: ms(t.ssh_login, DEFAULT_TIMEOUTS.ssh_login),
      cloudInitMs: ms(t.cloud_init, DEFAULT_TIMEOUTS.cloud_init),
      execMs: ms(t.exec, DEFAULT_TIMEOUTS.exec),
    },
    budget: resolveBudget(file.budget),
    prebuildKeep: file.prebuild?.keep === undefined ? 1 : Number(file.prebuild.keep),
    tokens,
    ...(file.volume ? { volume: volumeWish(file.volume) } : {}),
    ...(reaperToken ? { reaperToken } : {}),
    ...(endpoints ? { agentEndpoints: endpoints } : {}),
    ...(spot ? { spot } : {}),
    file,
  };
}
