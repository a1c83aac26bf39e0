/**
 * The one HTTP policy all provider clients share: per-attempt timeout, bounded retries with
 * backoff + full jitter on retryable failures only, server-requested waits honoured, and a
 * `recover` hook instead of blind re-sends for non-idempotent requests. Logs never carry headers.
 */
import { type Clock, systemClock } from "../core/clock.ts";
import type { Logger } from "../core/log.ts";
import { errorFromResponse, type HttpFailure, ProviderError, type ProviderHints } from "./errors.ts";
import { type FetchLike, type HeaderGetter, nodeFetch } from "./node-fetch.ts";
import { withRetries } from "./retry.ts";
import { DEFAULT_RETRY, type RetryPolicy, serverDelay } from "./retry-timing.ts";

export interface HttpClientOptions {
  provider: string;
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; registered with the logger as a secret. */
  token?: string;
  headers?: Record<string, string>;
  /** The transport (default: node:http, see node-fetch.ts); the global fetch fits too. */
  fetch?: FetchLike;
  clock?: Clock;
  log?: Logger;
  /** Per attempt (default 30 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Jitter source in [0,1), injectable for tests. */
  random?: () => number;
  hints?: ProviderHints;
  /** Turns an error response into a ProviderError when the provider's error body has its own codes. */
  classify?: (f: HttpFailure) => ProviderError;
}

export type Query = Record<string, string | number | undefined>;

export interface RequestOptions<T> {
  query?: Query;
  body?: unknown;
  /** Default true for GET/PUT/DELETE/HEAD, false for POST/PATCH. */
  idempotent?: boolean;
  /**
   * For non-idempotent requests whose outcome is unknown (reset, timeout, 5xx): find out whether
   * the server acted. Return the result if it did; undefined means "not created", safe to re-send.
   */
  recover?: () => Promise<T | undefined>;
  signal?: AbortSignal;
}

export interface HttpResponse<T> {
  status: number;
  body: T;
  headers: HeaderGetter;
}

export interface HttpClient {
  request<T>(method: string, path: string, opts?: RequestOptions<T>): Promise<HttpResponse<T>>;
  /** Requests sent so far (attempts, not calls): for tests and debug output. */
  readonly attempts: number;
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const doFetch = opts.fetch ?? nodeFetch;
  const clock = opts.clock ?? systemClock;
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const random = opts.random ?? Math.random;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const base = opts.baseUrl.replace(/\/+$/, "");
  opts.log?.addSecret(opts.token);
  let attempts = 0;

  const headers: Record<string, string> = { accept: "application/json", ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;

  function url(path: string, query?: Query): string {
    const u = new URL(base + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  /** One attempt; returns the parsed body or throws a classified ProviderError. */
  async function attempt<T>(method: string, path: string, target: string, o: RequestOptions<T>) {
    attempts++;
    const ctl = new AbortController();
    const stopTimer = new AbortController();
    const onOuterAbort = () => ctl.abort(o.signal?.reason);
    o.signal?.addEventListener("abort", onOuterAbort, { once: true });
    let timedOut = false;
    clock.sleep(timeoutMs, stopTimer.signal).then(
      () => {
        timedOut = true;
        ctl.abort(new Error("timeout"));
      },
      () => {},
    );
    const started = clock.now();
    try {
      const init: Parameters<FetchLike>[1] = { method, headers: { ...headers }, signal: ctl.signal };
      if (o.body !== undefined) {
        init.body = JSON.stringify(o.body);
        init.headers["content-type"] = "application/json";
      }
      const res = await doFetch(target, init);
      const text = await res.text();
      const body = text ? safeJson(text) : undefined;
      opts.log?.debug("http", {
        method,
        path,
        status: res.status,
        ms: clock.now() - started,
        attempt: attempts,
      });
      if (res.ok) return { status: res.status, body: body as T, headers: res.headers };
      throw (opts.classify ?? errorFromResponse)({
        provider: opts.provider,
        method,
        path,
        status: res.status,
        body: body as HttpFailure["body"],
        requestId: res.headers.get("x-request-id") ?? undefined,
        retryAfterMs: serverDelay(res.headers, clock.now(), res.status),
        hints: opts.hints ?? {},
      });
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      if (o.signal?.aborted) throw o.signal.reason;
      const kind = timedOut ? "timeout" : "network";
      opts.log?.debug("http", { method, path, error: kind, ms: clock.now() - started, attempt: attempts });
      throw new ProviderError({
        kind,
        provider: opts.provider,
        method,
        path,
        retryable: true,
        cause: err,
        message: `${opts.provider} API: [${method}] ${path}: ${timedOut ? `no response within ${timeoutMs} ms` : `network error (${describe(err)})`}`,
        hint: "Check your network connection and try again.",
      });
    } finally {
      stopTimer.abort();
      o.signal?.removeEventListener("abort", onOuterAbort);
    }
  }

  async function request<T>(
    method: string,
    path: string,
    o: RequestOptions<T> = {},
  ): Promise<HttpResponse<T>> {
    const idempotent = o.idempotent ?? !["POST", "PATCH"].includes(method);
    const target = url(path, o.query);
    const recover = o.recover;
    return withRetries<HttpResponse<T>>(
      { policy, clock, random, log: opts.log },
      {
        attempt: () => attempt<T>(method, path, target, o),
        idempotent,
        recover:
          recover &&
          (async () => {
            const found = await recover();
            return found === undefined ? undefined : { status: 200, body: found, headers: NO_HEADERS };
          }),
        signal: o.signal,
        label: { method, path },
      },
    );
  }

  return {
    request,
    get attempts() {
      return attempts;
    },
  };
}

/** A recovered result has no response of its own (and `new Headers()` would load undici). */
const NO_HEADERS: HeaderGetter = { get: () => null };

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 200) };
  }
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string } })?.cause;
  if (cause?.code) return cause.code;
  return err instanceof Error ? err.message : String(err);
}
