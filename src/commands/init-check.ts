/**
 * `spuff init`'s credential check: before anything is written, the credential the new config
 * will use proves itself with the provider's one cheap authenticated read (Provider.checkAccount),
 * which also names the account. A refused credential is exit 4; a network failure or a provider
 * error is told apart from it (exit 7). Either way the caller saves nothing.
 */
import type { Deps } from "../cli/deps.ts";
import { isSpuffError } from "../core/errors.ts";
import { ENTRIES, isTokenProvider, type ProviderName } from "../providers/catalog.ts";
import { ProviderError } from "../providers/errors.ts";
import { createProvider } from "../providers/registry.ts";

export interface CheckedCredential {
  /** Which credential was checked: "the token given" or the environment variable's name. */
  source: string;
  account: string;
  evidence: string;
}

/**
 * The credential `init` can check: the token typed or piped in, else the first token variable set
 * (it wins over the config file anyway), else for AWS the chain's variables. Undefined: nothing to
 * check (local, or no credential yet: `up` asks for one).
 */
export function credentialSource(
  provider: ProviderName,
  token: string | undefined,
  env: NodeJS.ProcessEnv,
): { source: string; token: string | undefined } | undefined {
  if (isTokenProvider(provider)) {
    if (token) return { source: "the token given", token };
    const name = ENTRIES[provider].token?.env.find((v) => env[v]);
    return name ? { source: name, token: env[name] } : undefined;
  }
  const name = ENTRIES[provider].credentialEnv?.find((v) => env[v]);
  return name ? { source: `the AWS credential (${name})`, token: undefined } : undefined;
}

export async function checkCredential(
  deps: Deps,
  o: { provider: ProviderName; token: string | undefined; region: string | undefined },
): Promise<CheckedCredential | undefined> {
  const cred = credentialSource(o.provider, o.token, deps.env);
  if (!cred) return undefined;
  const provider = await createProvider(o.provider, {
    token: cred.token,
    env: deps.env,
    clock: deps.clock,
    log: deps.log,
    ...(o.region ? { region: o.region } : {}),
  });
  try {
    const found = await provider.checkAccount();
    return { source: cred.source, ...found };
  } catch (err) {
    throw explain(err, o.provider, cred.source);
  }
}

/** The provider's error, said in init's terms: what was refused or unreachable, and that nothing was saved. */
function explain(thrown: unknown, provider: ProviderName, source: string): unknown {
  // The provider client is its own lazy bundle with its own ProviderError class: not instanceof.
  if (!isSpuffError(thrown) || !thrown.code.startsWith("provider_")) return thrown;
  const err = thrown as ProviderError;
  const common = {
    provider,
    method: err.method,
    path: err.path,
    status: err.status,
    requestId: err.requestId,
    cause: err,
  };
  if (err.kind === "authentication") {
    return new ProviderError({
      ...common,
      kind: "authentication",
      message: `${provider} refused ${source}; nothing was saved. (${err.message})`,
      hint: `Check the credential (its value, expiry and scopes), then run \`spuff init\` again.${err.hint ? ` ${err.hint}` : ""}`,
    });
  }
  return new ProviderError({
    ...common,
    kind: err.kind,
    message: `Could not check ${source} with ${provider}: it was not refused, but the check did not get through; nothing was saved. (${err.message})`,
    hint: `${err.hint ?? "The provider may be having trouble; check its status page."} Then run \`spuff init\` again.`,
  });
}

/** One line for the user: which credential works and whose account it is. */
export function describeCheck(c: CheckedCredential): string {
  return `${c.source[0]?.toUpperCase()}${c.source.slice(1)} works: ${c.account} (${c.evidence})`;
}
