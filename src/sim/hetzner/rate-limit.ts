/**
 * Hetzner's rate limit (spec "Rate Limiting"): a bucket of `limit` requests that refills one
 * request every window/limit (3600 per hour = one per second), reported on every response as
 * RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (UNIX seconds when the bucket is full).
 */
import type { Clock } from "../../core/clock.ts";

export interface RateLimitOptions {
  /** Requests per window (default 3600). */
  limit?: number;
  /** Default one hour. */
  windowMs?: number;
}

export class RateLimiter {
  readonly limit: number;
  private readonly refillMs: number;
  private tokens: number;
  private updated: number;

  constructor(
    private readonly clock: Clock,
    o: RateLimitOptions = {},
  ) {
    this.limit = o.limit ?? 3600;
    this.refillMs = (o.windowMs ?? 3_600_000) / this.limit;
    this.tokens = this.limit;
    this.updated = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    const earned = Math.floor((now - this.updated) / this.refillMs);
    if (earned > 0) {
      this.tokens = Math.min(this.limit, this.tokens + earned);
      this.updated = this.tokens === this.limit ? now : this.updated + earned * this.refillMs;
    }
  }

  /** Spends one request; false when none is left. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    if (this.tokens === this.limit) this.updated = this.clock.now();
    this.tokens--;
    return true;
  }

  headers(): Record<string, string> {
    this.refill();
    const fullAt = this.updated + (this.limit - this.tokens) * this.refillMs;
    return {
      "RateLimit-Limit": String(this.limit),
      "RateLimit-Remaining": String(this.tokens),
      "RateLimit-Reset": String(Math.ceil(fullAt / 1000)),
    };
  }
}
