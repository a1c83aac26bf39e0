/** The reconnect loop on a fake clock: the delays, the bound, what resets it, what stops it. */
import { describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.ts";
import {
  type BackoffPolicy,
  backoffDelayMs,
  type KeepConnected,
  keepConnected,
  pause,
  type Retry,
  type SessionEnd,
} from "./tunnel-reconnect.ts";

const POLICY: BackoffPolicy = { attempts: 4, baseMs: 1_000, maxMs: 5_000 };
const tick = () => new Promise((r) => setImmediate(r));

/** Advances the fake clock until `done` settles (bounded), so every sleep it asks for passes. */
async function drive<T>(clock: FakeClock, done: Promise<T>): Promise<T> {
  let settled = false;
  const out = done.finally(() => {
    settled = true;
  });
  out.catch(() => {});
  for (let i = 0; i < 200 && !settled; i++) {
    await tick();
    await clock.advance(1_000);
  }
  return out;
}

function harness(sessions: (SessionEnd | undefined | Error)[], connects: (true | Error)[]) {
  const clock = new FakeClock();
  const ac = new AbortController();
  const retries: Retry[] = [];
  const log: string[] = [];
  const k: KeepConnected<number> = {
    clock,
    policy: POLICY,
    signal: ac.signal,
    async connect() {
      const c = connects.shift() ?? new Error("refused");
      log.push(`connect@${clock.now() - 1_700_000_000_000}`);
      if (c instanceof Error) throw c;
      return 2;
    },
    async session() {
      const s = sessions.shift();
      if (s instanceof Error) throw s;
      return s;
    },
    fatal: (err) => (err as Error).message === "host key changed",
    onRetry: (r) => retries.push(r),
    onReconnected: () => log.push("reconnected"),
    giveUp: (reason, n) => new Error(`gave up after ${n}: ${reason.message}`),
  };
  return { clock, ac, retries, log, k };
}

const lost = (why: string, healthy = true): SessionEnd => ({ lost: new Error(why), healthy });

describe("backoffDelayMs", () => {
  it("doubles from the base and stops at the cap", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(POLICY, n))).toEqual([
      1000, 2000, 4000, 5000, 5000, 5000,
    ]);
  });
});

describe("keepConnected", () => {
  it("gives up after the bound with the last reason, having waited 1, 2, 4, 5 s", async () => {
    const h = harness([lost("reset")], []);
    await expect(drive(h.clock, keepConnected(h.k, 1))).rejects.toThrow("gave up after 4: refused");
    expect(h.retries.map((r) => [r.attempt, r.of, r.delayMs])).toEqual([
      [1, 4, 1000],
      [2, 4, 2000],
      [3, 4, 4000],
      [4, 4, 5000],
    ]);
    expect(h.retries[0]?.reason.message).toBe("reset");
    // Each attempt came after its wait: 1 s, then 1+2, 1+2+4, 1+2+4+5.
    expect(h.log).toEqual(["connect@1000", "connect@3000", "connect@7000", "connect@12000"]);
  });

  it("comes back: a reconnect that works resumes the session and resets the count", async () => {
    const h = harness([lost("a"), lost("b"), undefined], [new Error("x"), true, true]);
    await drive(h.clock, keepConnected(h.k, 1));
    expect(h.retries.map((r) => r.attempt)).toEqual([1, 2, 1]);
    expect(h.log.filter((l) => l === "reconnected")).toHaveLength(2);
  });

  it("a session that never became healthy keeps counting", async () => {
    const h = harness([lost("a"), lost("b", false), lost("c", false), lost("d", false)], [true, true, true]);
    await expect(drive(h.clock, keepConnected(h.k, 1))).rejects.toThrow("gave up after 4");
    expect(h.retries.map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
  });

  it("a fatal connect error and a session's own error end it at once", async () => {
    const h = harness([lost("a")], [new Error("host key changed")]);
    await expect(drive(h.clock, keepConnected(h.k, 1))).rejects.toThrow("host key changed");
    expect(h.retries).toHaveLength(1);
    const s = harness([new Error("agent said 401")], []);
    await expect(drive(s.clock, keepConnected(s.k, 1))).rejects.toThrow("agent said 401");
    expect(s.retries).toHaveLength(0);
  });

  it("Ctrl-C during a wait ends it without another attempt", async () => {
    const h = harness([lost("a")], []);
    const running = keepConnected(h.k, 1);
    for (let i = 0; i < 10 && h.retries.length === 0; i++) await tick();
    expect(h.retries).toHaveLength(1);
    h.ac.abort();
    await running;
    expect(h.log).toEqual([]);
  });
});

describe("pause", () => {
  it("true after the time, false when aborted first or already", async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const p = pause(clock, 500, ac.signal);
    await clock.advance(500);
    expect(await p).toBe(true);
    const q = pause(clock, 500, ac.signal);
    ac.abort();
    expect(await q).toBe(false);
    expect(await pause(clock, 1, ac.signal)).toBe(false);
  });
});
