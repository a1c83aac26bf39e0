/**
 * AWS SDK failures → ProviderError, by EC2 error code (the `name` of an SDK service exception),
 * with the next step a user can take. The SDK error stays as `cause`, so callers can branch on
 * its code (`awsCode`) where a code means "already done" (e.g. NotFound on delete).
 */
import { ProviderError, type ProviderErrorKind } from "../errors.ts";

export const PROVIDER = "aws";

const CREDENTIALS_HINT =
  "spuff uses the standard AWS credential chain: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (see `aws configure`), or `spuff config set aws.profile NAME`.";

const AUTH = new Set([
  "AuthFailure",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "RequestExpired",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "OptInRequired",
  "Blocked",
  "PendingVerification",
]);
const THROTTLE = new Set(["RequestLimitExceeded", "Throttling", "ThrottlingException", "RequestThrottled"]);
const QUOTA = new Set([
  "InstanceLimitExceeded",
  "VcpuLimitExceeded",
  "ResourceLimitExceeded",
  "MaxSpotInstanceCountExceeded",
  "SecurityGroupLimitExceeded",
  "RulesPerSecurityGroupLimitExceeded",
  "KeyPairLimitExceeded",
  "AddressLimitExceeded",
]);
const CAPACITY = new Set([
  "InsufficientInstanceCapacity",
  "InsufficientHostCapacity",
  "InsufficientCapacity",
  "InsufficientReservedInstanceCapacity",
]);
const SERVER = new Set(["InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable"]);
const INVALID = new Set([
  "InvalidParameterValue",
  "InvalidParameter",
  "InvalidParameterCombination",
  "MissingParameter",
  "UnknownParameter",
  "Unsupported",
  "UnsupportedOperation",
  "InvalidKey.Format",
  "IdempotentParameterMismatch",
]);
/** Node socket errors: the request may or may not have reached AWS. */
const NETWORK = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
]);

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** The EC2 error code behind an error (a ProviderError from here, or a raw SDK exception). */
export function awsCode(err: unknown): string | undefined {
  const e = (err instanceof ProviderError ? err.cause : err) as SdkError | undefined;
  return e?.$metadata ? e.name : undefined;
}

export function toProviderError(err: unknown, action: string, region: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (err ?? {}) as SdkError;
  const where = `AWS EC2 ${action} (${region})`;
  const status = e.$metadata?.httpStatusCode;
  const base = {
    provider: PROVIDER,
    method: "POST",
    path: action,
    status,
    requestId: e.$metadata?.requestId,
    cause: err,
  };
  const make = (
    kind: ProviderErrorKind,
    message: string,
    extra: { hint?: string; retryable?: boolean } = {},
  ) => new ProviderError({ ...base, kind, message, ...extra });

  if (!e.$metadata || status === undefined) {
    // No HTTP answer: credentials not found, a timeout, or a dropped connection.
    if (e.name === "CredentialsProviderError")
      return make("authentication", `${where}: no AWS credentials found (${e.message})`, {
        hint: CREDENTIALS_HINT,
      });
    if (e.name === "TimeoutError")
      return make("timeout", `${where}: no response in time`, {
        retryable: true,
        hint: "Check your network connection and try again.",
      });
    const code = e.code ?? (/socket hang up/i.test(e.message ?? "") ? "ECONNRESET" : undefined);
    if (code && NETWORK.has(code))
      return make("network", `${where}: network error (${code})`, {
        retryable: true,
        hint: "Check your network connection and try again.",
      });
  }
  const code = e.name ?? "Unknown";
  const said = `${where}: ${code}: ${e.message ?? ""}`.trim();
  if (AUTH.has(code)) return make("authentication", said, { hint: CREDENTIALS_HINT });
  if (code === "UnauthorizedOperation")
    return make("authentication", said, {
      hint: `These credentials work but may not call ec2:${action}: attach a policy allowing it to the IAM user or role.`,
    });
  if (THROTTLE.has(code))
    return make("rate_limit", said, {
      retryable: true,
      hint: "AWS is throttling this account's EC2 API calls; wait a minute and try again.",
    });
  if (QUOTA.has(code))
    return make("quota_exceeded", said, {
      hint: "An EC2 quota for this account and region is reached: end unused instances (`spuff list`), or request a higher limit in the Service Quotas console.",
    });
  if (CAPACITY.has(code))
    return make("api", said, {
      hint: "AWS has no spare capacity for this instance type in that zone right now: try another size or region, or again later.",
    });
  if (code === "SpotMaxPriceTooLow")
    return make("invalid_config", said, {
      hint: "Raise the cap (`spuff config set aws.spot_max_price PRICE`) or leave it unset (AWS then caps at the on-demand price); `spuff up --spot --dry-run` shows the current spot price.",
    });
  if (code.startsWith("InvalidAMIID.") || code.startsWith("InvalidAMIName."))
    return make("invalid_config", said, {
      hint: "Check the image: an AMI id is per region (`aws ec2 describe-images --image-ids ID --region REGION`), or use the default Ubuntu 24.04.",
    });
  if (code.endsWith(".NotFound") || code.endsWith(".Malformed")) return make("not_found", said);
  if (INVALID.has(code) || code.startsWith("InvalidKeyPair."))
    return make("invalid_config", said, {
      hint: /instance ?type|Unsupported/i.test(said)
        ? `List instance types with \`aws ec2 describe-instance-types --region ${region}\` and set one with \`spuff config set aws.size TYPE\`.`
        : undefined,
    });
  const retryable = SERVER.has(code) || (status ?? 0) >= 500;
  return make("api", said, { retryable });
}
