/** The user-facing view of settings: durations as text, secrets masked, token sources named. */

import { formatDuration } from "../core/duration.ts";
import { formatAmount } from "../cost/money.ts";
import { isTokenProvider, PROVIDERS } from "../providers/catalog.ts";
import type { Settings, TokenSource } from "./resolve.ts";
import type { ConfigFile } from "./schema.ts";
import { SECRET_KEYS } from "./secret-keys.ts";

export const MASK = "********";

/** A copy with every SECRET_KEYS value replaced by MASK (the one list of what is secret). */
export function maskSecrets(file: ConfigFile): ConfigFile {
  const copy = structuredClone(file) as Record<string, Record<string, unknown> | undefined>;
  for (const key of SECRET_KEYS) {
    const [section, leaf] = key.split(".") as [string, string];
    const s = copy[section];
    if (s?.[leaf] !== undefined) s[leaf] = MASK;
  }
  return copy as ConfigFile;
}

export function settingsView(s: Settings, file: string) {
  const named = (t: TokenSource | undefined) =>
    t ? `${MASK} (from ${t.from === "env" ? `$${t.name}` : "config file"})` : undefined;
  const masked = maskSecrets(s.file);
  // Each provider's section as in the file (secrets masked); a token provider's token names its source.
  const sections = Object.fromEntries(
    PROVIDERS.map((p) => [
      p,
      isTokenProvider(p) ? { ...masked[p], token: named(s.tokens[p]) ?? null } : { ...masked[p] },
    ]),
  );
  return {
    file,
    settings: {
      provider: s.provider,
      region: s.region ?? null,
      size: s.size ?? null,
      image: s.image ?? null,
      idle_timeout: formatDuration(s.idleTimeoutMs),
      max_lifetime: formatDuration(s.maxLifetimeMs),
      ssh_key_path: s.sshKeyPath,
      ssh_user: s.sshUser,
      forward_agent: s.forwardAgent,
      dotfiles: s.dotfiles ?? null,
      reaper_token: named(s.reaperToken) ?? null,
      timeouts: {
        provider_api: formatDuration(s.timeouts.providerApiMs),
        ssh_port: formatDuration(s.timeouts.sshPortMs),
        ssh_login: formatDuration(s.timeouts.sshLoginMs),
        cloud_init: formatDuration(s.timeouts.cloudInitMs),
        exec: formatDuration(s.timeouts.execMs),
      },
      budget: {
        monthly: s.budget.monthlyMicros === undefined ? null : formatAmount(s.budget.monthlyMicros),
        max_hourly: s.budget.maxHourlyMicros === undefined ? null : formatAmount(s.budget.maxHourlyMicros),
      },
      ...sections,
    },
  };
}
