/**
 * Provider user-data size limits, checked before any API call so an oversize config fails fast
 * with a next step instead of as a provider 4xx after other resources were created.
 */
import { gzipSync } from "node:zlib";
import { UserError } from "../core/errors.ts";
import { CATALOG, PROVIDERS, type ProviderName } from "../providers/catalog.ts";

/** Bytes of user-data each provider accepts (null: no limit spuff knows of; sources in the catalog). */
export const USER_DATA_LIMITS = Object.fromEntries(
  PROVIDERS.map((p) => [p, CATALOG[p].userData.limit]),
) as Readonly<Record<ProviderName, number | null>>;

/**
 * - `text`: send as-is (providers that take base64, e.g. AWS, encode it themselves).
 * - `gzip-base64`: already base64 of gzip bytes; send verbatim (AWS UserData). cloud-init
 *   detects the gzip magic and decompresses. Only where the catalog says `gzip`: DO/Hetzner take
 *   user-data inside a JSON string, which cannot carry raw gzip bytes.
 */
export type EncodedUserData =
  | { kind: "text"; text: string; bytes: number }
  | { kind: "gzip-base64"; base64: string; bytes: number };

export function encodeUserData(text: string, provider: ProviderName): EncodedUserData {
  const limit = USER_DATA_LIMITS[provider];
  const bytes = Buffer.byteLength(text, "utf8");
  if (limit === null || bytes <= limit) return { kind: "text", text, bytes };
  if (CATALOG[provider].userData.gzip) {
    // mtime 0 in the gzip header (Node's default) keeps the output deterministic.
    const gz = gzipSync(Buffer.from(text, "utf8"), { level: 9 });
    if (gz.length <= limit) return { kind: "gzip-base64", base64: gz.toString("base64"), bytes: gz.length };
    throw tooLarge(provider, gz.length, limit, " even gzip-compressed");
  }
  throw tooLarge(provider, bytes, limit, "");
}

function tooLarge(provider: ProviderName, bytes: number, limit: number, how: string): UserError {
  return new UserError(
    "user_data_too_large",
    `Cloud-config is ${bytes} bytes${how}; ${provider} accepts at most ${limit} bytes of user-data`,
    {
      hint: "Shorten the extra package list or move setup into your dotfiles repository (cloned after boot).",
      details: { provider, bytes, limit },
    },
  );
}
