/**
 * The one retry loop every provider client runs its calls through (the fetch-based clients via
 * http.ts, the AWS SDK client directly): bounded attempts, backoff with full jitter, server waits
 * honoured up to a cap, and no blind re-send of a non-idempotent call whose outcome is unknown.
 */
import type { Clock } from "../core/clock.ts";
import type { Logger } from "../core/log.ts";
import { ProviderError } from "./errors.ts";
import { backoffDelay, type RetryPolicy } from "./retry-timing.ts";

export interface RetryContext {
  policy: RetryPolicy;
  clock: Clock;
  /** Jitter source in [0,1). */
  random: () => number;
  log?: Logger;
}

export interface RetriedCall<T> {
  /** One attempt. Only a ProviderError marked retryable is ever retried. */
  attempt: () => Promise<T>;
  idempotent: boolean;
  /**
   * For a non-idempotent call whose outcome is unknown (reset, timeout, 5xx): find out whether the
   * server acted. The result if it did; undefined means "not done", safe to send again.
   */
  recover?: () => Promise<T | undefined>;
  signal?: AbortSignal;
  /** What the debug log calls this call (method and path, or the API action). */
  label: Record<string, string>;
}

export async function withRetries<T>(ctx: RetryContext, call: RetriedCall<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await call.attempt();
    } catch (err) {
      if (!(err instanceof ProviderError) || !err.retryable || n >= ctx.policy.maxAttempts) throw err;
      // A rate-limit refusal happens before processing, so re-sending is safe even for a create.
      const unknownOutcome = err.kind !== "rate_limit";
      if (!call.idempotent && unknownOutcome) {
        if (!call.recover) throw err;
        const found = await call.recover();
        if (found !== undefined) return found;
      }
      const asked = err.retryAfterMs;
      if (asked !== undefined && asked > ctx.policy.maxServerDelayMs) throw err;
      const delay = asked ?? backoffDelay(ctx.policy, n, ctx.random);
      ctx.log?.debug("http retry", { ...call.label, attempt: n, delayMs: delay, reason: err.kind });
      await ctx.clock.sleep(delay, call.signal);
    }
  }
}
