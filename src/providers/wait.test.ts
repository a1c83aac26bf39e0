import { describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.ts";
import { TimeoutError } from "../core/errors.ts";
import { waitFor } from "./wait.ts";

const tick = () => new Promise((r) => setImmediate(r));

describe("waitFor", () => {
  it("polls at 100 ms, backing off ×1.3 up to 2 s, and returns the first done value", async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const seen: number[] = [];
    const p = waitFor({
      clock,
      timeoutMs: 60_000,
      what: "x",
      poll: async () => {
        seen.push(clock.now() - t0);
        return clock.now() - t0 >= 10_000;
      },
      isDone: (v) => v,
    });
    await tick();
    await clock.advance(30_000);
    expect(await p).toBe(true);
    const gaps = seen.slice(1).map((t, i) => t - (seen[i] as number));
    expect(gaps.slice(0, 4).map(Math.round)).toEqual([100, 130, 169, 220]);
    expect(seen.at(-1)).toBeLessThan(12_000);
    expect(Math.max(...gaps)).toBe(2000);
  });

  it("with tolerateRetryable, a poll failing with a retryable error keeps waiting; others end it", async () => {
    const clock = new FakeClock();
    let polls = 0;
    const flaky = Object.assign(new Error("429"), { retryable: true });
    const p = waitFor({
      clock,
      timeoutMs: 60_000,
      what: "flaky",
      tolerateRetryable: true,
      poll: async () => {
        polls++;
        if (polls <= 3) throw flaky;
        return polls;
      },
      isDone: (n) => n >= 5,
    });
    await tick();
    await clock.advance(5_000);
    expect(await p).toBe(5);
    const fatal = waitFor({
      clock,
      timeoutMs: 60_000,
      what: "fatal",
      tolerateRetryable: true,
      poll: async () => {
        throw new Error("401");
      },
      isDone: () => true,
    });
    await expect(fatal).rejects.toThrow("401");
    // Without the option the first retryable failure ends the wait, as before.
    await expect(
      waitFor({
        clock,
        timeoutMs: 60_000,
        what: "x",
        poll: async () => Promise.reject(flaky),
        isDone: () => true,
      }),
    ).rejects.toBe(flaky);
  });

  it("throws TimeoutError at the deadline", async () => {
    const clock = new FakeClock();
    let polls = 0;
    const p = waitFor({
      clock,
      timeoutMs: 5_000,
      what: "never",
      poll: async () => ++polls,
      isDone: () => false,
    });
    const caught = p.catch((e) => e);
    await tick();
    await clock.advance(10_000);
    const err = await caught;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(String(err.message)).toContain("never");
    expect(polls).toBeLessThan(20);
  });

  it("stops when the signal aborts", async () => {
    const clock = new FakeClock();
    const ctl = new AbortController();
    ctl.abort(new Error("stop"));
    await expect(
      waitFor({
        clock,
        timeoutMs: 1000,
        what: "x",
        poll: async () => 1,
        isDone: () => false,
        signal: ctl.signal,
      }),
    ).rejects.toThrow("stop");
  });
});
