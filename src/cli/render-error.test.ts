import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InternalError, toSpuffError, UserError } from "../core/errors.ts";
import { createTestIO } from "../core/io.ts";
import { writeCrashReport } from "./crash-report.ts";
import { renderError } from "./render-error.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-crash-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function bug(): Error {
  try {
    (undefined as unknown as { x: () => void }).x();
  } catch (e) {
    return e as Error;
  }
  throw new Error("unreachable");
}

const ctx = (sub: string) => ({
  dir: path.join(dir, sub, "crash"),
  now: new Date("2026-12-03T10:00:00Z"),
  version: "9.9.9",
  pid: 4242,
});

describe("an unexpected error", () => {
  it("prints one line with the crash report's path; the report (0600) holds the stack", () => {
    const io = createTestIO();
    const e = toSpuffError(bug());
    renderError(io, e, { json: false, verbose: false, crashReport: (b) => writeCrashReport(b, ctx("one")) });
    const out = io.stderr();
    expect(out.trim().split("\n")).toHaveLength(1);
    expect(out).not.toMatch(/\n\s+at /);
    const file = /crash report with the stack: (\S+)\)/.exec(out)?.[1] as string;
    expect(file).toBe(path.join(dir, "one", "crash", "crash-2026-12-03T10-00-00-000Z-4242.txt"));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const text = fs.readFileSync(file, "utf8");
    expect(text).toContain("spuff 9.9.9 crash report");
    expect(text).toMatch(/TypeError: Cannot read properties of undefined[\s\S]*\n\s+at bug /);
  });

  it("with --json names the report in the error object, one JSON line", () => {
    const io = createTestIO();
    renderError(io, new InternalError("boom", { cause: bug() }), {
      json: true,
      verbose: false,
      crashReport: (b) => writeCrashReport(b, ctx("json")),
    });
    const lines = io.stderr().trim().split("\n");
    expect(lines).toHaveLength(1);
    const { error } = JSON.parse(lines[0] as string);
    expect(error).toMatchObject({ code: "internal", exit_code: 70 });
    expect(fs.readFileSync(error.crash_report, "utf8")).toContain("TypeError");
  });

  it("falls back to the stack on the terminal when the report cannot be written", () => {
    const blocked = path.join(dir, "a-file");
    fs.writeFileSync(blocked, "");
    const io = createTestIO();
    renderError(io, toSpuffError(bug()), {
      json: false,
      verbose: false,
      crashReport: (b) => writeCrashReport(b, { ...ctx("x"), dir: path.join(blocked, "crash") }),
    });
    expect(io.stderr()).toMatch(/^Error: .*\nHint: This is a bug[\s\S]*\n\s+at bug /);
  });

  it("with -v prints the stack and writes no report; a user error never gets one", () => {
    let asked = 0;
    const crashReport = () => {
      asked++;
      return "/nowhere";
    };
    const io = createTestIO();
    renderError(io, toSpuffError(bug()), { json: false, verbose: true, crashReport });
    expect(io.stderr()).toMatch(/\n\s+at bug /);
    const io2 = createTestIO();
    renderError(io2, new UserError("bad_thing", "Bad thing", { hint: "Do X" }), {
      json: false,
      verbose: false,
      crashReport,
    });
    expect(io2.stderr()).toBe("Error: Bad thing\nHint: Do X\n");
    expect(asked).toBe(0);
  });
});
