import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useSshdConnection } from "../../test/helpers/sshd.ts";
import { FakeClock } from "../core/clock.ts";
import type { Connection } from "../ssh/connection.ts";
import type { ExecOptions, exec } from "../ssh/exec.ts";
import { followCloudInitLog, lastLogLine } from "./cloud-init-log.ts";

describe("lastLogLine", () => {
  it("takes the last non-empty line, after apt's carriage returns, without escapes or controls", () => {
    expect(lastLogLine("one\ntwo\n\n")).toBe("two");
    expect(lastLogLine("Reading package lists... 50%\rReading package lists... Done\n")).toBe(
      "Reading package lists... Done",
    );
    expect(lastLogLine("\u001b[1A\u001b[2Kred \u001b[31mtext\u001b[0m\u0007\n")).toBe("red text");
    expect(lastLogLine("")).toBeUndefined();
    expect(lastLogLine(" \n\t\n")).toBeUndefined();
  });
});

describe("followCloudInitLog over a real sshd", () => {
  const ctx = useSshdConnection();
  const until = async (cond: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };

  it("reports the log's last line each time it changes, once per change, and stops when told", async () => {
    const log = path.join(ctx.sshd.dir, "cloud-init-output.log");
    fs.writeFileSync(log, "Cloud-init v. 24.1 running 'init'\n");
    const seen: string[] = [];
    const f = followCloudInitLog(ctx.conn, (l) => seen.push(l), {
      intervalMs: 30,
      maxPolls: 500,
      logPath: log,
    });
    await until(() => seen.length === 1, 5000);
    fs.appendFileSync(log, "Setting up git (1:2.39.5) ...\n");
    await until(() => seen.length === 2, 5000);
    await new Promise((r) => setTimeout(r, 200)); // several polls of an unchanged file
    f.stop();
    fs.appendFileSync(log, "after stop\n");
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual(["Cloud-init v. 24.1 running 'init'", "Setting up git (1:2.39.5) ..."]);
  });

  it("reads at most maxPolls times, even if never stopped; a missing file reports nothing", async () => {
    const log = path.join(ctx.sshd.dir, "missing.log");
    const seen: string[] = [];
    const f = followCloudInitLog(ctx.conn, (l) => seen.push(l), {
      intervalMs: 10,
      maxPolls: 3,
      logPath: log,
    });
    expect(await f.finished).toBe(3);
    expect(seen).toEqual([]);
  });

  it("stop() ends the loop at once, mid-pause", async () => {
    const log = path.join(ctx.sshd.dir, "cloud-init-output.log");
    const f = followCloudInitLog(ctx.conn, () => {}, { intervalMs: 60_000, maxPolls: 10, logPath: log });
    await new Promise((r) => setTimeout(r, 300)); // the first read, then a 60 s pause
    const t0 = Date.now();
    f.stop();
    expect(await f.finished).toBe(1);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe("followCloudInitLog on a fake clock (reads answered by a stand-in)", () => {
  it("reads once per interval of the clock, reports changes, and stops at maxPolls", async () => {
    const clock = new FakeClock();
    const lines = ["one", "one", "two"];
    let reads = 0;
    const run = (async (_c: Connection, _cmd: string, o: ExecOptions) => {
      expect(o.clock).toBe(clock);
      return { stdout: `${lines[reads++] ?? "two"}\n`, stderr: "", exitCode: 0, signal: null };
    }) as typeof exec;
    const seen: string[] = [];
    const f = followCloudInitLog({} as Connection, (l) => seen.push(l), {
      maxPolls: 4,
      clock,
      exec: run,
    });
    await new Promise((r) => setImmediate(r));
    expect(reads).toBe(1);
    await clock.advance(999);
    expect(reads).toBe(1);
    await clock.advance(1);
    expect(reads).toBe(2);
    await clock.advance(2000);
    expect(await f.finished).toBe(4);
    expect(seen).toEqual(["one", "two"]);
    expect(clock.pendingSleeps).toBe(0);
  });

  it("stop() mid-pause ends it without the clock moving", async () => {
    const clock = new FakeClock();
    const run = (async () => ({ stdout: "x\n", stderr: "", exitCode: 0, signal: null })) as typeof exec;
    const f = followCloudInitLog({} as Connection, () => {}, { maxPolls: 10, clock, exec: run });
    await new Promise((r) => setImmediate(r));
    f.stop();
    expect(await f.finished).toBe(1);
  });
});
