/** Build the provider a command needs from Deps: token and timeouts come from the settings. */
import type { Deps } from "../cli/deps.ts";
import type { ProviderName } from "../config/schema.ts";
import { createProvider } from "./registry.ts";
import type { Provider } from "./types.ts";

export async function providerFromDeps(deps: Deps, name?: string): Promise<Provider> {
  const s = await deps.settings(name ? { provider: name as ProviderName } : {});
  const provider = name ?? s.provider;
  const token = (s.tokens as Record<string, { value: string } | undefined>)[provider]?.value;
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
