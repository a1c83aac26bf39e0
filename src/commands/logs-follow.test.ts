import { appendFileSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useRunningAgent } from "../agent/testing/agent-process.ts";
import { FakeClock } from "../core/clock.ts";
import type { AgentClient } from "../ssh/agent-client.ts";
import { fetchLogFrom, fetchLogTailAt } from "./logs.ts";
import { type Chunk, followLogs } from "./logs-follow.ts";

/** Lets pending fetches and the follower's loop run without moving the fake clock. */
const settle = async (ms = 200) => new Promise((r) => setTimeout(r, ms));

describe("followLogs (fake agent)", () => {
  it("shows the tail, then each chunk from the offset it was given, back to back while `more`", async () => {
    const clock = new FakeClock();
    const asked: number[] = [];
    const chunks: Chunk[] = [
      { lines: ["5"], offset: 12, reset: false, more: true },
      { lines: ["6", "7"], offset: 16, reset: false, more: false },
      { lines: [], offset: 16, reset: false, more: false },
      { lines: ["new"], offset: 4, reset: true, more: false },
    ];
    const out: string[][] = [];
    let resets = 0;
    const ac = new AbortController();
    const done = followLogs({
      fetchTail: async (n) => ({ lines: ["3", "4", "part"].slice(-n), offset: 10, partial: true }),
      fetchFrom: async (offset) => {
        asked.push(offset);
        return chunks.shift() ?? { lines: [], offset, reset: false, more: false };
      },
      emit: (l) => out.push(l),
      onReset: () => resets++,
      clock,
      signal: ac.signal,
      initial: 3,
      intervalMs: 500,
    });
    await settle(10);
    expect(out).toEqual([["3", "4"]]); // the partial line comes later, whole
    await clock.advance(500);
    await clock.advance(500);
    await clock.advance(500);
    expect(out).toEqual([["3", "4"], ["5"], ["6", "7"], ["new"]]);
    expect(asked).toEqual([10, 12, 16, 16]);
    expect(resets).toBe(1);
    ac.abort();
    await clock.advance(500);
    await done;
  });

  it("returns at once when aborted during the sleep (real clock, no dangling timer)", async () => {
    const ac = new AbortController();
    const { systemClock } = await import("../core/clock.ts");
    const started = Date.now();
    const done = followLogs({
      fetchTail: async () => ({ lines: ["only"], offset: 5 }),
      fetchFrom: async (offset) => ({ lines: [], offset, reset: false, more: false }),
      emit: () => {},
      clock: systemClock,
      signal: ac.signal,
      initial: 1,
      intervalMs: 60_000,
    });
    setTimeout(() => ac.abort(), 50);
    await done;
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("logs -f against the real agent process", () => {
  const ctx = useRunningAgent();
  /** The CLI's AgentClient, straight to the agent's loopback port instead of through SSH. */
  const client = (): AgentClient => ({
    async get<T>(p: string): Promise<T> {
      const res = await fetch(`http://127.0.0.1:${ctx.agent.port}${p}`, {
        headers: { "x-spuff-token": ctx.f.token },
      });
      if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    close: async () => {},
  });

  it("a 5000-line burst between two polls arrives once, in order; a truncation restarts and says so", async () => {
    const file = path.join(ctx.f.logRoot, "burst.log");
    writeFileSync(file, "before 1\nbefore 2\n");
    const agent = client();
    const clock = new FakeClock();
    const ac = new AbortController();
    const out: string[] = [];
    let resets = 0;
    const done = followLogs({
      fetchTail: (n) => fetchLogTailAt(agent, n, file),
      fetchFrom: (o) => fetchLogFrom(agent, o, file),
      emit: (l) => out.push(...l),
      onReset: () => resets++,
      clock,
      signal: ac.signal,
      initial: 1,
      intervalMs: 1000,
    });
    await settle();
    expect(out).toEqual(["before 2"]);
    // ~1.3 MB: more than one agent chunk, and 5× the old 1000-line window.
    const burst = Array.from({ length: 5000 }, (_, i) => `burst ${i} ${"z".repeat(250)}`);
    appendFileSync(file, `${burst.join("\n")}\n`);
    await clock.advance(1000);
    await settle(1000);
    expect(out.slice(1)).toEqual(burst);
    truncateSync(file, 0);
    writeFileSync(file, "after rotate\n");
    await clock.advance(1000);
    await settle(500);
    expect(out.slice(5001)).toEqual(["after rotate"]);
    expect(resets).toBe(1);
    ac.abort();
    await clock.advance(1000);
    await done;
  });
});
