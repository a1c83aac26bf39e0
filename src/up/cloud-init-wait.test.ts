import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useSshdConnection } from "../../test/helpers/sshd.ts";
import { exec } from "../ssh/exec.ts";
import { resultIsClean, resultWatchCommand, statusVerdict } from "./cloud-init-wait.ts";

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
