import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SCRIPT_SOURCES, scriptSourcePath } from "./generate-scripts.ts";
import { EMBEDDED_SCRIPTS } from "./scripts.generated.ts";
import { renderEnvFile } from "./shell-quote.ts";

const dir = path.dirname(scriptSourcePath("bootstrap-sync.sh"));
const scriptFiles = fs.readdirSync(dir).filter((f) => f.endsWith(".sh"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-scripts-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("bootstrap scripts", () => {
  it("are all shellcheck-clean at style level", () => {
    expect(scriptFiles.length).toBeGreaterThanOrEqual(2);
    const all = (Object.keys(SCRIPT_SOURCES) as (keyof typeof SCRIPT_SOURCES)[])
      .filter((n) => n.endsWith(".sh"))
      .map(scriptSourcePath);
    for (const f of scriptFiles) expect(all).toContain(path.join(dir, f));
    const r = spawnSync("shellcheck", ["-S", "style", ...all], { encoding: "utf8", timeout: 20_000 });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("the python helper (volume-bind.py) compiles", () => {
    const r = spawnSync("python3", ["-m", "py_compile", scriptSourcePath("volume-bind.py")], {
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, PYTHONPYCACHEPREFIX: tmp },
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("shellcheck does fail on a bad script (the check can fail)", () => {
    const bad = path.join(tmp, "bad.sh");
    fs.writeFileSync(bad, "#!/usr/bin/env bash\nset -euo pipefail\nx=$1\necho $x\n");
    expect(spawnSync("shellcheck", ["-S", "style", bad], { timeout: 20_000 }).status).not.toBe(0);
  });

  it("start with the bash shebang and strict mode", () => {
    for (const f of scriptFiles) {
      const text = fs.readFileSync(path.join(dir, f), "utf8");
      expect(text.startsWith("#!/usr/bin/env bash\n"), f).toBe(true);
      expect(text, f).toMatch(/^set -euo pipefail$/m);
    }
  });

  it("the embedded copies equal the files byte for byte (run generate-scripts.ts when this fails)", () => {
    for (const name of Object.keys(SCRIPT_SOURCES) as (keyof typeof SCRIPT_SOURCES)[]) {
      expect(EMBEDDED_SCRIPTS[name], name).toBe(fs.readFileSync(scriptSourcePath(name), "utf8"));
    }
    // Every script in scripts/ is embedded: a new file cannot be forgotten.
    for (const f of scriptFiles) expect(Object.keys(SCRIPT_SOURCES)).toContain(f);
  });
});

/** Run phase 2 as the current user with test paths; returns the status file and exit code. */
function runAsync(
  env: Record<string, string>,
  name: string,
  timeoutMs = 20_000,
): { status: string; code: number | null } {
  const work = fs.mkdtempSync(path.join(tmp, `${name}-`));
  const envFile = path.join(work, "bootstrap.env");
  fs.writeFileSync(envFile, renderEnvFile(env));
  const statusFile = path.join(work, "bootstrap.status");
  const r = spawnSync("bash", [scriptSourcePath("bootstrap-async.sh")], {
    env: {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      SPUFF_BOOTSTRAP_ENV: envFile,
      SPUFF_STATUS_FILE: statusFile,
    },
    encoding: "utf8",
    timeout: timeoutMs,
    killSignal: "SIGTERM",
  });
  return { status: fs.readFileSync(statusFile, "utf8"), code: r.status };
}

/** A local git repository holding one script, standing in for a dotfiles URL. */
function makeRepo(name: string, script: string, body: string): string {
  const repo = path.join(tmp, name);
  fs.mkdirSync(repo);
  fs.writeFileSync(path.join(repo, script), body);
  const git = (...a: string[]) => execFileSync("git", ["-C", repo, ...a], { stdio: "pipe" });
  git("init", "-q");
  git("add", ".");
  git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "init");
  return repo;
}

describe("bootstrap-async.sh status file", () => {
  const me = os.userInfo().username;
  const base = (over: Record<string, string>) => ({
    SPUFF_USER: me,
    SPUFF_HOME: tmp,
    SPUFF_DOTFILES_URL: "",
    SPUFF_DOTFILES_DIR: path.join(tmp, "unused"),
    SPUFF_DOTFILES_KNOWN_HOSTS: "",
    ...over,
  });

  it("ends in ready without dotfiles", () => {
    expect(runAsync(base({}), "plain")).toEqual({ status: "ready\n", code: 0 });
  });

  it("clones dotfiles and runs install.sh as the user", () => {
    const marker = path.join(tmp, "installed-marker");
    const repo = makeRepo("dotrepo", "install.sh", `touch '${marker}'\n`);
    const dest = path.join(tmp, "dots-ok");
    expect(runAsync(base({ SPUFF_DOTFILES_URL: repo, SPUFF_DOTFILES_DIR: dest }), "dots")).toEqual({
      status: "ready\n",
      code: 0,
    });
    expect(fs.existsSync(marker)).toBe(true);
  });

  it("writes failed when the clone fails", () => {
    const r = runAsync(
      base({ SPUFF_DOTFILES_URL: path.join(tmp, "nope"), SPUFF_DOTFILES_DIR: path.join(tmp, "d2") }),
      "bad",
    );
    expect(r.status).toBe("failed\n");
    expect(r.code).not.toBe(0);
  });

  it("writes failed when the env file lacks a variable (set -u)", () => {
    const r = runAsync({ SPUFF_USER: me }, "unset");
    expect(r).toMatchObject({ status: "failed\n" });
    expect(r.code).not.toBe(0);
  });

  it("writes failed when install.sh fails", () => {
    const repo = makeRepo("dotrepo-bad", "setup.sh", "exit 3\n");
    const r = runAsync(base({ SPUFF_DOTFILES_URL: repo, SPUFF_DOTFILES_DIR: path.join(tmp, "d3") }), "inst");
    expect(r).toEqual({ status: "failed\n", code: 3 });
  });

  it("writes failed when stopped by SIGTERM (what RuntimeMaxSec sends)", () => {
    const repo = makeRepo("dotrepo-slow", "install.sh", "sleep 1\n");
    const r = runAsync(
      base({ SPUFF_DOTFILES_URL: repo, SPUFF_DOTFILES_DIR: path.join(tmp, "d4") }),
      "term",
      300,
    );
    // spawnSync reports a timed-out child's code as null; the status file is what matters.
    expect(r.status).toBe("failed\n");
  });
});
