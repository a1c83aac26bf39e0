/**
 * The providers `spuff cost` asks: the configured one, every provider with credentials (a token,
 * or its SDK's variables), and every provider local state has instances at.
 */
import type { Settings } from "../config/resolve.ts";
import { ENTRIES, isTokenProvider, PROVIDERS } from "../providers/catalog.ts";

export function providersToAsk(settings: Settings, env: NodeJS.ProcessEnv, inState: string[]): string[] {
  return PROVIDERS.filter(
    (p) =>
      p === settings.provider ||
      inState.includes(p) ||
      (isTokenProvider(p) && settings.tokens[p] !== undefined) ||
      (ENTRIES[p].credentialEnv?.some((name) => env[name]) ?? false),
  );
}
