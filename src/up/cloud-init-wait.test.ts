import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useSshdConnection } from "../../test/helpers/sshd.ts";
import { type Clock, FakeClock } from "../core/clock.ts";
import { TimeoutError } from "../core/errors.ts";
import type { Connection } from "../ssh/connection.ts";
import { type ExecOptions, type ExecResult, exec } from "../ssh/exec.ts";
import { resultIsClean, resultWatchCommand, statusVerdict, waitCloudInit } from "./cloud-init-wait.ts";

describe("result.json and status verdicts", () => {
  it("only a parsed result.json with an empty errors list counts as done", () => {
    expect(resultIsClean('{"v1": {"datasource": "DataSourceNoCloud", "errors": []}}')).toBe(true);
    expect(resultIsClean('{"v1": {"errors": ["module x failed"]}}')).toBe(false);
    expect(resultIsClean('{"v1": {}}')).toBe(false);
    expect(resultIsClean("")).toBe(false);
    expect(resultIsClean('{"v1": {"errors": [')).toBe(false); // half-written
  });

  it("status --format=json: done without errors passes; anything else names cloud-init's answer", () => {
    expect(statusVerdict('{"status": "done", "errors": []}', "", 0)).toBe("status done, no errors");
    expect(() => statusVerdict('{"status": "error", "errors": ["boom"]}', "", 1)).toThrow(
      /cloud-init ended with status error: \["boom"\]/,
    );
    expect(() => statusVerdict('{"status": "disabled", "errors": []}', "", 0)).toThrow(/status disabled/);
    expect(() => statusVerdict("", "command not found", 127)).toThrow(/printed no JSON \(exit 127\)/);
  });
});

describe("the result.json watch, run by a real sshd's shell", () => {
  const ctx = useSshdConnection();

  it("returns the file's content soon after it appears", async () => {
    const file = path.join(ctx.sshd.dir, "result.json");
    const pending = exec(ctx.conn, resultWatchCommand(200, file), { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    fs.writeFileSync(file, '{"v1": {"errors": []}}\n');
    const r = await pending;
    expect(r.exitCode).toBe(0);
    expect(resultIsClean(r.stdout)).toBe(true);
  });

  it("gives up after its bound of checks when the file never appears, printing nothing", async () => {
    const r = await exec(ctx.conn, resultWatchCommand(4, path.join(ctx.sshd.dir, "never.json")), {
      timeoutMs: 20_000,
    });
    expect(r.stdout).toBe("");
    expect(resultIsClean(r.stdout)).toBe(false);
  });
});

describe("waitCloudInit on a fake clock (commands answered by a stand-in, timed by the clock)", () => {
  const conn = {} as Connection;
  /** Each command answers when its `answer` is called, or times out on the clock it was given. */
  function fakeExec() {
    const answers = new Map<string, (r: ExecResult) => void>();
    const run = ((_c: Connection, command: string, o: ExecOptions) =>
      Promise.race([
        new Promise<ExecResult>((resolve) =>
          answers.set(command.startsWith("cloud-init") ? "authority" : "watch", resolve),
        ),
        (o.clock as Clock).sleep(o.timeoutMs).then(() => {
          throw new TimeoutError(`remote command ${JSON.stringify(command.slice(0, 60))}`, o.timeoutMs);
        }),
      ])) as typeof exec;
    const answer = (which: "authority" | "watch", stdout: string) =>
      answers.get(which)?.({ stdout, stderr: "", exitCode: 0, signal: null });
    return { run, answer };
  }

  it("times out when the clock passes the phase's bound and cloud-init never answered", async () => {
    const clock = new FakeClock();
    const { run } = fakeExec();
    let outcome: unknown;
    const done = waitCloudInit(conn, 600_000, { clock, exec: run }).catch((e) => {
      outcome = e;
    });
    await clock.advance(599_999);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    await done;
    expect(outcome).toBeInstanceOf(TimeoutError);
    expect((outcome as Error).message).toMatch(/^Timed out after 600\.0s: remote command "cloud-init status/);
  });

  it("a clean result.json ends the wait before the authority answers", async () => {
    const clock = new FakeClock();
    const { run, answer } = fakeExec();
    const done = waitCloudInit(conn, 600_000, { clock, exec: run });
    await clock.advance(1000);
    answer("watch", '{"v1": {"errors": []}}');
    await expect(done).resolves.toBe("status done, no errors");
  });

  it("a result.json with errors waits for the authority's verdict", async () => {
    const clock = new FakeClock();
    const { run, answer } = fakeExec();
    let outcome: unknown;
    const done = waitCloudInit(conn, 600_000, { clock, exec: run }).catch((e) => {
      outcome = e;
    });
    answer("watch", '{"v1": {"errors": ["boom"]}}');
    await clock.advance(5000);
    expect(outcome).toBeUndefined();
    answer("authority", '{"status": "error", "errors": ["boom"]}');
    await done;
    expect(outcome).toMatchObject({ code: "cloud_init_failed" });
  });
});
