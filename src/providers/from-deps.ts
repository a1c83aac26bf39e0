/** Build the provider a command needs from Deps: token and timeouts come from the settings. */
import type { Deps } from "../cli/deps.ts";
import { isProviderName, isTokenProvider } from "./catalog.ts";
import { createProvider } from "./registry.ts";
import type { Provider } from "./types.ts";

export async function providerFromDeps(deps: Deps, name?: string): Promise<Provider> {
  // A name from state that is not a provider (a tampered record) reaches createProvider's refusal.
  const s = await deps.settings(isProviderName(name) ? { provider: name } : {});
  const provider = name ?? s.provider;
  const token = isTokenProvider(provider) ? s.tokens[provider]?.value : undefined;
  return createProvider(provider, {
    token,
    env: deps.env,
    clock: deps.clock,
    log: deps.log,
    timeoutMs: s.timeouts.providerApiMs,
    region: s.region,
    profile: s.file.aws?.profile,
  });
}
