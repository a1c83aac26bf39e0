import { describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.ts";
import { createLogger } from "../core/log.ts";
import { ProviderError } from "./errors.ts";
import { createHttpClient } from "./http.ts";

const TOKEN = "dop_v1_supersecrettoken1234567890";
const tick = () => new Promise((r) => setImmediate(r));

type Step = { status: number; headers?: Record<string, string>; body?: unknown } | "reset";

/** A scripted fetch that records when (fake time) and what was called. */
function scripted(clock: FakeClock, steps: Step[]) {
  const calls: { at: number; method: string; url: string; auth: string | null }[] = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    calls.push({
      at: clock.now(),
      method: String(init?.method),
      url: String(url),
      auth: headers.get("authorization"),
    });
    const step = steps.shift();
    if (!step) throw new Error("unexpected extra request");
    if (step === "reset") throw new TypeError("fetch failed", { cause: { code: "ECONNRESET" } });
    const body = step.body === undefined ? "" : JSON.stringify(step.body);
    return new Response(step.status === 204 ? null : body, { status: step.status, headers: step.headers });
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}

async function settle<T>(clock: FakeClock, p: Promise<T>, totalMs = 120_000): Promise<T> {
  let done = false;
  const out = p.finally(() => {
    done = true;
  });
  out.catch(() => {});
  for (let i = 0; i < 2000 && !done; i++) {
    await tick();
    await clock.advance(50);
    if (i * 50 > totalMs) break;
  }
  return out;
}

function client(clock: FakeClock, steps: Step[], extra: Record<string, unknown> = {}) {
  const s = scripted(clock, steps);
  let logs = "";
  const log = createLogger({ write: (c: string) => (logs += c) }, "debug", () => clock.now());
  const http = createHttpClient({
    provider: "digitalocean",
    baseUrl: "http://127.0.0.1:9",
    token: TOKEN,
    fetch: s.fetch,
    clock,
    log,
    random: () => 0.5,
    retry: { baseDelayMs: 1000, maxDelayMs: 8000 },
    hints: { authentication: "check DIGITALOCEAN_TOKEN" },
    ...extra,
  });
  return { http, calls: s.calls, logs: () => logs };
}

describe("http policy", () => {
  it("retries 5xx with exponential backoff and full jitter (random 0.5 → half the ceiling)", async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const { http, calls } = client(clock, [
      { status: 500 },
      { status: 503 },
      { status: 502 },
      { status: 200, body: { ok: 1 } },
    ]);
    const res = await settle(clock, http.request<{ ok: number }>("GET", "/v2/x"));
    expect(res.body.ok).toBe(1);
    // ceilings 1000, 2000, 4000 → delays 500, 1000, 2000 (fake clock advances in 50 ms steps).
    const gaps = calls.slice(1).map((c, i) => c.at - (calls[i] as { at: number }).at);
    expect(gaps).toEqual([500, 1000, 2000]);
    expect(calls[0]?.at).toBe(t0);
  });

  it("honours Retry-After in seconds and as an HTTP date", async () => {
    const clock = new FakeClock();
    const date = new Date(clock.now() + 10_000).toUTCString();
    const { http, calls } = client(clock, [
      {
        status: 429,
        headers: { "retry-after": "3" },
        body: { id: "too_many_requests", message: "slow down" },
      },
      { status: 429, headers: { "retry-after": date } },
      { status: 200, body: {} },
    ]);
    await settle(clock, http.request("GET", "/v2/x"));
    const gaps = calls.slice(1).map((c, i) => c.at - (calls[i] as { at: number }).at);
    expect(gaps[0]).toBe(3000);
    // The date is 10 s after the start; the second 429 came at +3 s.
    expect(gaps[1]).toBe(7000);
  });

  it("honours ratelimit-reset (unix epoch seconds) when there is no Retry-After", async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const { http, calls } = client(clock, [
      { status: 429, headers: { "ratelimit-reset": String(1_700_000_000 + 12), "ratelimit-remaining": "0" } },
      { status: 200, body: {} },
    ]);
    await settle(clock, http.request("GET", "/v2/x"));
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBe(12_000);
  });

  it("gives up after maxAttempts and does not retry 4xx", async () => {
    const clock = new FakeClock();
    const five = client(
      clock,
      Array.from({ length: 5 }, () => ({ status: 500 })),
    );
    const err = await settle(clock, five.http.request("GET", "/v2/x")).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(five.calls).toHaveLength(5);

    const auth = client(clock, [
      { status: 401, body: { id: "unauthorized", message: "Unable to authenticate you" } },
    ]);
    const e2 = (await settle(clock, auth.http.request("GET", "/v2/x")).catch((e) => e)) as ProviderError;
    expect(e2.kind).toBe("authentication");
    expect(e2.exitCode).toBe(4);
    expect(e2.hint).toContain("DIGITALOCEAN_TOKEN");
    expect(auth.calls).toHaveLength(1);
  });

  it("does not re-send a POST after a reset: asks recover, and returns what it found", async () => {
    const clock = new FakeClock();
    const { http, calls } = client(clock, ["reset"]);
    let recovered = 0;
    const res = await settle(
      clock,
      http.request<{ id: number }>("POST", "/v2/droplets", {
        body: { name: "a" },
        recover: async () => {
          recovered++;
          return { id: 42 };
        },
      }),
    );
    expect(res.body.id).toBe(42);
    expect(recovered).toBe(1);
    expect(calls).toHaveLength(1);
  });

  it("re-sends a POST when recover finds nothing, and after a 429 without asking", async () => {
    const clock = new FakeClock();
    const { http, calls } = client(clock, ["reset", { status: 429 }, { status: 202, body: { id: 7 } }]);
    let recovered = 0;
    const res = await settle(
      clock,
      http.request<{ id: number }>("POST", "/v2/droplets", {
        recover: async () => {
          recovered++;
          return undefined;
        },
      }),
    );
    expect(res.body.id).toBe(7);
    expect(recovered).toBe(1);
    expect(calls).toHaveLength(3);
  });

  it("a POST without recover is not retried after a reset", async () => {
    const clock = new FakeClock();
    const { http, calls } = client(clock, ["reset", { status: 202 }]);
    const err = (await settle(clock, http.request("POST", "/v2/x")).catch((e) => e)) as ProviderError;
    expect(err.kind).toBe("network");
    expect(calls).toHaveLength(1);
  });

  it("times out a hung attempt using the injected clock", async () => {
    const clock = new FakeClock();
    let n = 0;
    const fetch = ((_u: string, init: RequestInit) => {
      n++;
      if (n === 1)
        return new Promise((_r, reject) =>
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
        );
      return Promise.resolve(new Response("{}", { status: 200 }));
    }) as unknown as typeof globalThis.fetch;
    const http = createHttpClient({
      provider: "p",
      baseUrl: "http://127.0.0.1:9",
      fetch,
      clock,
      timeoutMs: 1000,
      random: () => 0,
    });
    await settle(clock, http.request("GET", "/x"));
    expect(n).toBe(2);
  });

  it("logs method, path, status and attempt, but never the token", async () => {
    const clock = new FakeClock();
    const { http, calls, logs } = client(clock, [
      { status: 500, body: { message: `echo ${TOKEN}` } },
      { status: 200, body: { token: TOKEN } },
    ]);
    await settle(clock, http.request("GET", "/v2/droplets", { query: { tag_name: "spuff" } }));
    expect(calls[0]?.auth).toBe(`Bearer ${TOKEN}`);
    expect(calls[0]?.url).toBe("http://127.0.0.1:9/v2/droplets?tag_name=spuff");
    expect(logs()).toContain('"method":"GET","path":"/v2/droplets","status":500');
    expect(logs()).toContain('"attempt":2');
    expect(logs()).not.toContain(TOKEN);
  });
});
