/**
 * How long to wait before the next attempt: exponential backoff with full jitter
 * (AWS architecture blog, "Exponential Backoff And Jitter"), unless the server said when.
 */
export interface RetryPolicy {
  /** Total attempts including the first (default 5). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server-requested wait longer than this is not honoured: we give up instead (default 60 s). */
  maxServerDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxServerDelayMs: 60_000,
};

/** attempt is 1-based: the delay after the first failure uses attempt = 1. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * The wait the server asked for, in ms from `now`: `Retry-After` (RFC 9110 §10.2.3: seconds or an
 * HTTP date) wins, else, for a 429 only, DigitalOcean's `ratelimit-reset` (unix epoch seconds: it
 * is on every response, and means "window resets", not "wait"). Undefined if neither applies.
 */
export function serverDelay(
  headers: { get(name: string): string | null },
  now: number,
  status: number,
): number | undefined {
  const ra = headers.get("retry-after")?.trim();
  if (ra) {
    if (/^\d+$/.test(ra)) return Number(ra) * 1000;
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = headers.get("ratelimit-reset")?.trim();
  if (status === 429 && reset && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now);
  return undefined;
}
