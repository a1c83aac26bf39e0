/**
 * Provider user-data size limits, checked before any API call so an oversize config fails fast
 * with a next step instead of as a provider 4xx after other resources were created.
 */
import { gzipSync } from "node:zlib";
import type { ProviderName } from "../config/schema.ts";
import { UserError } from "../core/errors.ts";

/**
 * Bytes of user-data each provider accepts (null: no limit spuff knows of).
 * - AWS: 16 KB raw, before base64. https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html
 * - Hetzner: 32 KiB. https://docs.hetzner.cloud/#servers-create-a-server (user_data)
 * - DigitalOcean: 64 KiB. https://docs.digitalocean.com/products/droplets/how-to/provide-user-data/
 * - local: a NoCloud seed file on the host, no API limit.
 */
export const USER_DATA_LIMITS: Readonly<Record<ProviderName, number | null>> = {
  aws: 16_384,
  hetzner: 32_768,
  digitalocean: 65_536,
  local: null,
};

/**
 * - `text`: send as-is (providers that take base64, i.e. AWS, encode it themselves).
 * - `gzip-base64`: already base64 of gzip bytes; send verbatim as AWS UserData. cloud-init
 *   detects the gzip magic and decompresses. Only AWS: DO/Hetzner take user-data inside a JSON
 *   string, which cannot carry raw gzip bytes.
 */
export type EncodedUserData =
  | { kind: "text"; text: string; bytes: number }
  | { kind: "gzip-base64"; base64: string; bytes: number };

export function encodeUserData(text: string, provider: ProviderName): EncodedUserData {
  const limit = USER_DATA_LIMITS[provider];
  const bytes = Buffer.byteLength(text, "utf8");
  if (limit === null || bytes <= limit) return { kind: "text", text, bytes };
  if (provider === "aws") {
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
