/**
 * The one error type every provider throws. It carries enough to debug (method, path, status,
 * request id) and a user message that names the next step.
 */
import { ExitCode, SpuffError } from "../core/errors.ts";

export type ProviderErrorKind =
  | "authentication"
  | "rate_limit"
  | "not_found"
  | "quota_exceeded"
  | "invalid_config"
  | "timeout"
  | "network"
  | "api";

export interface ProviderErrorInit {
  kind: ProviderErrorKind;
  provider: string;
  message: string;
  hint?: string;
  method?: string;
  path?: string;
  status?: number;
  requestId?: string;
  retryable?: boolean;
  retryAfterMs?: number;
  /** Field-level validation errors from the provider, one per entry. */
  fields?: string[];
  cause?: unknown;
}

export class ProviderError extends SpuffError {
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly fields: string[];

  constructor(init: ProviderErrorInit) {
    const exit = init.kind === "authentication" ? ExitCode.auth : ExitCode.provider;
    super(`provider_${init.kind}`, init.message, exit, {
      hint: init.hint,
      cause: init.cause,
      details: {
        provider: init.provider,
        ...(init.method ? { method: init.method, path: init.path } : {}),
        ...(init.status !== undefined ? { status: init.status } : {}),
        ...(init.requestId ? { request_id: init.requestId } : {}),
      },
    });
    this.kind = init.kind;
    this.provider = init.provider;
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.requestId = init.requestId;
    this.retryable = init.retryable ?? false;
    this.retryAfterMs = init.retryAfterMs;
    this.fields = init.fields ?? [];
  }
}

/** Hints per provider, so http.ts stays provider-neutral. */
export interface ProviderHints {
  authentication?: string;
  invalidSize?: string;
  quota?: string;
}

export interface HttpFailure {
  provider: string;
  method: string;
  path: string;
  status: number;
  /** The parsed error body: DigitalOcean's `{id, message, request_id}`; other providers read their own keys. */
  body: { id?: string; message?: string; request_id?: string; [key: string]: unknown } | undefined;
  requestId?: string;
  retryAfterMs?: number;
  hints: ProviderHints;
}

/** Classify an HTTP error response. Retryable: 408/425/429 and 5xx (RFC 9110 §15.5-15.6). */
export function errorFromResponse(f: HttpFailure): ProviderError {
  const apiMsg = f.body?.message ?? `HTTP ${f.status}`;
  const base = {
    provider: f.provider,
    method: f.method,
    path: f.path,
    status: f.status,
    requestId: f.requestId ?? f.body?.request_id,
    retryAfterMs: f.retryAfterMs,
  };
  const where = `${f.provider} API: [${f.method}] ${f.path}`;
  if (f.status === 401 || f.status === 403) {
    return new ProviderError({
      ...base,
      kind: "authentication",
      message: `${where} was refused (${f.status}): ${apiMsg}`,
      hint: f.hints.authentication,
    });
  }
  if (f.status === 429) {
    return new ProviderError({
      ...base,
      kind: "rate_limit",
      retryable: true,
      message: `${where}: rate limited (429): ${apiMsg}`,
      hint: "The provider is rate limiting this account; wait a minute and try again.",
    });
  }
  if (f.status === 404) {
    return new ProviderError({ ...base, kind: "not_found", message: `${where}: not found (404)` });
  }
  if (f.status === 422 || f.status === 400) {
    const quota = /limit|quota/i.test(apiMsg);
    const size = /size/i.test(apiMsg);
    return new ProviderError({
      ...base,
      kind: quota ? "quota_exceeded" : "invalid_config",
      fields: [apiMsg],
      message: `${where} rejected the request (${f.status}): ${apiMsg}`,
      hint: quota ? f.hints.quota : size ? f.hints.invalidSize : undefined,
    });
  }
  const retryable = f.status >= 500 || f.status === 408 || f.status === 425;
  return new ProviderError({
    ...base,
    kind: "api",
    retryable,
    message: `${where} failed (${f.status}): ${apiMsg}`,
  });
}
