/**
 * How every fetch-based provider starts: refuse to run without a token (before any request),
 * then one shared-policy HTTP client with the caller's clock, logger, timeouts and retries.
 */
import { type Clock, systemClock } from "../core/clock.ts";
import { type HttpFailure, ProviderError, type ProviderHints } from "./errors.ts";
import { createHttpClient, type HttpClient } from "./http.ts";
import type { ProviderFactoryOptions } from "./registry.ts";

export interface ProviderHttpSetup {
  provider: string;
  /** Used unless the caller overrides it (`baseUrl` option): env variable or the public endpoint. */
  baseUrl: string;
  /** What to tell a user who has configured no token. */
  noToken: { message: string; hint: string };
  hints: ProviderHints;
  classify?: (f: HttpFailure) => ProviderError;
}

export function providerHttp(
  o: ProviderFactoryOptions,
  s: ProviderHttpSetup,
): { http: HttpClient; clock: Clock } {
  if (!o.token) {
    throw new ProviderError({ kind: "authentication", provider: s.provider, ...s.noToken });
  }
  const clock = o.clock ?? systemClock;
  const http = createHttpClient({
    provider: s.provider,
    baseUrl: o.baseUrl ?? s.baseUrl,
    token: o.token,
    fetch: o.fetch,
    clock,
    log: o.log,
    timeoutMs: o.timeoutMs,
    retry: o.retry,
    hints: s.hints,
    classify: s.classify,
  });
  return { http, clock };
}
