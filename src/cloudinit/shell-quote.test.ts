import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderEnvFile, shellQuote } from "./shell-quote.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-quote-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const NASTY = [
  "",
  "plain",
  "it's",
  "''",
  "'\\''",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion that must stay literal
  '"double" $HOME `id` $(id) ${X:-y}',
  "back\\slash\\",
  "new\nline\n",
  "tab\there",
  "glob * ? [a]",
  "; rm -rf / #",
  "-n",
  "ünïcödé ✓ 日本",
  "trailing space ",
  "!history",
  "\x01\x1b[31mctl",
];

describe("renderEnvFile through real bash", () => {
  it("every nasty value round-trips byte for byte", () => {
    const vars = Object.fromEntries(NASTY.map((v, i) => [`V${i}`, v]));
    const file = path.join(tmp, "env");
    fs.writeFileSync(file, renderEnvFile(vars));
    const names = Object.keys(vars)
      .map((k) => `"$${k}"`)
      .join(" ");
    // set -u: a missing variable would make bash fail instead of printing "".
    const out = execFileSync("bash", ["-c", `set -euo pipefail; . "$1"; printf '%s\\0' ${names}`, "x", file]);
    expect(out.toString("utf8").split("\0").slice(0, -1)).toEqual(NASTY);
  });

  it("quotes in the form bash expects", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it("rejects NUL and bad variable names", () => {
    expect(() => shellQuote("a\0b")).toThrow(/NUL/);
    expect(() => renderEnvFile({ "A-B": "x" })).toThrow(/invalid env variable name/);
    expect(() => renderEnvFile({ "A=B": "x" })).toThrow(/invalid env variable name/);
  });
});
