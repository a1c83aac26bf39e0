/** The user-facing view of settings: durations as text, secrets masked, token sources named. */
import { formatDuration } from "../core/duration.ts";
import type { Settings } from "./resolve.ts";
import type { ConfigFile } from "./schema.ts";

export const MASK = "********";

export function maskSecrets(file: ConfigFile): ConfigFile {
  const copy = structuredClone(file);
  if (copy.digitalocean?.token) copy.digitalocean.token = MASK;
  if (copy.hetzner?.token) copy.hetzner.token = MASK;
  return copy;
}

export function settingsView(s: Settings, file: string) {
  const token = (p: "digitalocean" | "hetzner") => {
    const t = s.tokens[p];
    return t ? `${MASK} (from ${t.from === "env" ? `$${t.name}` : "config file"})` : undefined;
  };
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
      timeouts: {
        provider_api: formatDuration(s.timeouts.providerApiMs),
        ssh_port: formatDuration(s.timeouts.sshPortMs),
        ssh_login: formatDuration(s.timeouts.sshLoginMs),
        cloud_init: formatDuration(s.timeouts.cloudInitMs),
        exec: formatDuration(s.timeouts.execMs),
      },
      digitalocean: { ...maskSecrets(s.file).digitalocean, token: token("digitalocean") ?? null },
      hetzner: { ...maskSecrets(s.file).hetzner, token: token("hetzner") ?? null },
      aws: { ...s.file.aws },
      local: { ...s.file.local },
    },
  };
}
