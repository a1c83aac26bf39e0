import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { envFilePath } from "../bundles/layout.ts";
import { renderProjectEnv } from "../project/steps.ts";
import { execLine } from "./exec-line.ts";

const home = mkdtempSync(path.join(os.tmpdir(), "spuff-execline-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const hostile = "$(touch PWNED) `id` '\"; exit 3 \\ \n second line";

/** What sshd does with the line: the user's shell, -c, a non-login non-interactive shell. */
const run = (shell: string, argv: string[]) =>
  execFileSync(shell, ["-c", execLine(argv)], {
    cwd: home,
    env: { HOME: home, PATH: "/usr/bin:/bin" },
  }).toString();

describe("spuff exec's remote line", () => {
  it("with no env file, runs argv unchanged", () => {
    expect(run("bash", ["printf", "%s|", "a b", "$HOME", "'q'"])).toBe("a b|$HOME|'q'|");
  });

  for (const shell of ["bash", "sh"]) {
    it(`${shell}: loads the project env (hostile values stay data), argv passes through`, () => {
      const file = envFilePath(home);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, renderProjectEnv({ GREETING: "hi there", NASTY: hostile }), { mode: 0o600 });
      chmodSync(file, 0o600);
      const out = run(shell, ["sh", "-c", 'printf "%s|%s|%s" "$GREETING" "$NASTY" "$1"', "x", "; rm -rf /"]);
      expect(out).toBe(`hi there|${hostile}|; rm -rf /`);
      expect(() => execFileSync("test", ["-e", path.join(home, "PWNED")])).toThrow();
    });
  }

  it.runIf(process.getuid?.() === 0)("does not source an env file someone else owns", () => {
    const file = envFilePath(home);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, renderProjectEnv({ GREETING: "planted" }), { mode: 0o644 });
    execFileSync("chown", ["65534", file]);
    expect(run("bash", ["sh", "-c", "printenv GREETING || printf unset"])).toBe("unset");
  });
});
