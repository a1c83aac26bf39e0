/**
 * Hetzner's error envelope `{error: {code, message, details}}` → the ProviderError taxonomy. The
 * code decides, not the status: 403 is both `forbidden` (a token problem) and
 * `resource_limit_exceeded` (a quota), and 409 is both `uniqueness_error` and a retryable `conflict`.
 * Codes: hetzner-cloud-conventions.json plus action errors such as `server_not_stopped`.
 */
import { errorFromResponse, type HttpFailure, ProviderError, type ProviderErrorKind } from "../errors.ts";

export const TOKEN_HINT =
  "Check HCLOUD_TOKEN (or hetzner.token in the config): `spuff config set hetzner.token -`; the token needs Read & Write access.";

interface Rule {
  kind: ProviderErrorKind;
  retryable?: boolean;
  hint?: string;
}

const RULES: Record<string, Rule> = {
  unauthorized: { kind: "authentication", hint: TOKEN_HINT },
  token_readonly: {
    kind: "authentication",
    hint: "This Hetzner token is read-only: create a Read & Write token in the Cloud Console (Security → API tokens).",
  },
  forbidden: { kind: "authentication", hint: TOKEN_HINT },
  maintenance: { kind: "api", hint: "Hetzner is doing maintenance on this resource; try again later." },
  resource_limit_exceeded: {
    kind: "quota_exceeded",
    hint: "Your Hetzner project limit is reached: delete unused servers or snapshots (`spuff snapshot list`), or ask Hetzner to raise the limit.",
  },
  not_found: { kind: "not_found" },
  uniqueness_error: {
    kind: "invalid_config",
    hint: "A resource with that name already exists in the project: choose another name, or remove the old one (`spuff down <name>`).",
  },
  conflict: { kind: "api", retryable: true },
  resource_unavailable: {
    kind: "invalid_config",
    hint: "That server type is not available in this location right now: pick another with `spuff config set hetzner.region <location>` or `spuff config set hetzner.size <type>` (`hcloud server-type list`).",
  },
  invalid_input: { kind: "invalid_config" },
  json_error: { kind: "invalid_config" },
  unsupported_error: { kind: "invalid_config" },
  service_error: { kind: "api" },
  locked: { kind: "api", retryable: true },
  protected: {
    kind: "invalid_config",
    hint: "The resource is protected against this change: remove the protection in the Cloud Console first.",
  },
  server_not_stopped: {
    kind: "invalid_config",
    hint: "Power the server off first (`hcloud server poweroff <name>`), then try again.",
  },
  rate_limit_exceeded: {
    kind: "rate_limit",
    retryable: true,
    hint: "The Hetzner project is out of API requests (3600 per hour by default); wait a minute and try again.",
  },
  method_not_allowed: {
    kind: "api",
    hint: "spuff sent a request Hetzner does not accept: please report this bug.",
  },
  deprecated_api_endpoint: {
    kind: "api",
    hint: "This spuff release uses a Hetzner API endpoint that has been removed: upgrade spuff.",
  },
  server_error: { kind: "api", retryable: true },
  bad_gateway: { kind: "api", retryable: true },
  unavailable: { kind: "api", retryable: true },
  timeout: { kind: "api", retryable: true },
};

interface Envelope {
  code: string;
  message: string;
  details?: { fields?: { name: string; messages?: string[] }[] } | null;
}

function envelope(body: HttpFailure["body"]): Envelope | undefined {
  const e = body?.error as Partial<Envelope> | undefined;
  return e && typeof e.code === "string" ? { message: "", ...e, code: e.code } : undefined;
}

export function hetznerErrorFromResponse(f: HttpFailure): ProviderError {
  const e = envelope(f.body);
  const rule = e && RULES[e.code];
  if (!e || !rule) return errorFromResponse({ ...f, body: e ? { message: e.message } : f.body });
  const fields = (e.details?.fields ?? []).map((x) => `${x.name}: ${(x.messages ?? []).join(", ")}`);
  return new ProviderError({
    kind: rule.kind,
    provider: f.provider,
    method: f.method,
    path: f.path,
    status: f.status,
    requestId: f.requestId,
    retryable: rule.retryable ?? false,
    retryAfterMs: f.retryAfterMs,
    fields,
    message: `${f.provider} API: [${f.method}] ${f.path} failed (${f.status} ${e.code}): ${e.message}`,
    hint: rule.hint ?? (fields.some((x) => x.startsWith("server_type:")) ? f.hints.invalidSize : undefined),
  });
}
