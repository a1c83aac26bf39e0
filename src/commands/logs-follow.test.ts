import { describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.ts";
import { appendedLines, followLogs } from "./logs-follow.ts";

describe("appendedLines", () => {
  it("returns what follows the overlap", () => {
    expect(appendedLines(["a", "b", "c"], ["b", "c", "d", "e"])).toEqual(["d", "e"]);
    expect(appendedLines(["a", "b"], ["a", "b", "c"])).toEqual(["c"]);
  });
  it("nothing new when the tail is unchanged, everything when there was no previous tail", () => {
    expect(appendedLines(["a", "b"], ["a", "b"])).toEqual([]);
    expect(appendedLines([], ["x"])).toEqual(["x"]);
  });
  it("prefers the longest overlap, so repeated lines are not printed twice", () => {
    expect(appendedLines(["x", "x"], ["x", "x", "x"])).toEqual(["x"]);
    expect(appendedLines(["a", "b", "a", "b"], ["a", "b", "a", "b"])).toEqual([]);
  });
  it("prints the whole new tail when there is no overlap (burst beyond the window, rotation)", () => {
    expect(appendedLines(["a", "b"], ["c", "d"])).toEqual(["c", "d"]);
  });
});

describe("followLogs", () => {
  it("shows the last N lines, then only appended ones, and ends when aborted", async () => {
    const clock = new FakeClock();
    const file = ["1", "2", "3", "4"];
    const windows: number[] = [];
    const out: string[][] = [];
    const ac = new AbortController();
    const done = followLogs({
      fetchTail: async (w) => {
        windows.push(w);
        return file.slice(-w);
      },
      emit: (l) => out.push(l),
      clock,
      signal: ac.signal,
      initial: 2,
      window: 3,
      intervalMs: 500,
    });
    await new Promise((r) => setImmediate(r));
    expect(out).toEqual([["3", "4"]]);
    file.push("5");
    await clock.advance(500);
    await clock.advance(500); // nothing appended: nothing printed
    file.push("6", "7");
    await clock.advance(500);
    expect(out).toEqual([["3", "4"], ["5"], ["6", "7"]]);
    ac.abort();
    await clock.advance(500);
    await done;
    expect(windows.every((w) => w === 3)).toBe(true);
  });

  it("returns at once when aborted during the sleep (real clock, no dangling timer)", async () => {
    const ac = new AbortController();
    const { systemClock } = await import("../core/clock.ts");
    const started = Date.now();
    const done = followLogs({
      fetchTail: async () => ["only"],
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
