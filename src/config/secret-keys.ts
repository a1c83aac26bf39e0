/**
 * Which config keys hold secrets, without the schema (zod): the fast config read checks a
 * file's mode against them too, and it must not load the validator to do so.
 */
import { TOKEN_PROVIDERS } from "../providers/catalog.ts";

/** Keys whose values are secrets: masked by `config show`, and they make 0600 mandatory. */
export const SECRET_KEYS: readonly string[] = TOKEN_PROVIDERS.flatMap((p) => [
  `${p}.token`,
  `${p}.reaper_token`,
]);

/** Does this (validated) config hold any secret value? */
export function hasSecret(config: object): boolean {
  return SECRET_KEYS.some((k) => {
    const [a, b] = k.split(".") as [string, string];
    const section = (config as Record<string, Record<string, unknown> | undefined>)[a];
    return section?.[b] !== undefined;
  });
}
