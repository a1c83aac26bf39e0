/**
 * Provider clients by name: one lazy factory per catalog entry (catalog.ts holds the data), so a
 * command only loads the client it uses. The type makes a catalog entry without a factory an error.
 */
import type { Clock } from "../core/clock.ts";
import { ConfigError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { PROVIDERS, type ProviderName } from "./catalog.ts";
import type { FetchLike } from "./node-fetch.ts";
import type { RetryPolicy } from "./retry-timing.ts";
import type { Provider } from "./types.ts";

export interface ProviderFactoryOptions {
  /** Resolved by the caller (Settings.tokens); undefined when none is configured. */
  token: string | undefined;
  env: NodeJS.ProcessEnv;
  clock?: Clock;
  log?: Logger;
  fetch?: FetchLike;
  /** Overrides the provider's API base URL (simulator, proxies). */
  baseUrl?: string;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** The configured region (Settings.region): where a regional API (AWS) lists by default. */
  region?: string;
  /** AWS shared-config profile from spuff's config (aws.profile); AWS_PROFILE still wins. */
  profile?: string;
}

export type ProviderFactory = (opts: ProviderFactoryOptions) => Promise<Provider>;

const FACTORIES: Record<ProviderName, ProviderFactory> = {
  local: async (o) => (await import("./local/index.ts")).createLocalProvider(o),
  digitalocean: async (o) => (await import("./digitalocean/index.ts")).createDigitalOceanProvider(o),
  hetzner: async (o) => (await import("./hetzner/index.ts")).createHetznerProvider(o),
  aws: async (o) => (await import("./aws/index.ts")).createAwsProvider(o),
};

export function providerNames(): string[] {
  return [...PROVIDERS];
}

export async function createProvider(name: string, opts: ProviderFactoryOptions): Promise<Provider> {
  const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name as ProviderName] : undefined;
  if (!factory) {
    throw new ConfigError("unknown_provider", `Provider not available: ${JSON.stringify(name)}`, {
      hint: `Available providers: ${providerNames().join(", ")}.`,
    });
  }
  return factory(opts);
}
