import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseStatusFile } from "../agent/steps-status.ts";
import { EMBEDDED_SCRIPTS } from "../cloudinit/scripts.generated.ts";

const scriptsDir = path.join(import.meta.dirname, "scripts");
const RUNNER = path.join(scriptsDir, "run-steps.sh");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-steps-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Step {
  name: string;
  body: string;
  kind?: "bundle" | "step" | "cached-bundle" | "cached-step";
}

/** Lay out a step list and run the real runner; returns its exit code and each status file. */
function run(name: string, steps: Step[], mode: "keep-going" | "stop", env: Record<string, string> = {}) {
  const dir = path.join(tmp, name);
  const state = path.join(dir, "state");
  const logs = path.join(dir, "logs");
  fs.mkdirSync(state, { recursive: true });
  fs.mkdirSync(logs, { recursive: true });
  const lines = steps.map((s, i) => {
    const id = String(i + 1).padStart(2, "0");
    const script = path.join(dir, `${id}.sh`);
    fs.writeFileSync(script, s.body);
    return `${id}\t${s.name}\t${script}\t${s.kind ?? "step"}`;
  });
  fs.writeFileSync(path.join(state, "steps.list"), `${lines.join("\n")}\n`);
  const r = spawnSync("bash", [RUNNER, state, logs, mode], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  const statuses = steps.map((_, i) =>
    parseStatusFile(fs.readFileSync(path.join(state, `${String(i + 1).padStart(2, "0")}.status`), "utf8")),
  );
  const log = (i: number) =>
    fs.readFileSync(path.join(logs, `${String(i + 1).padStart(2, "0")}.log`), "utf8");
  return { code: r.status, statuses, log, logs };
}

const bundle = (install: string, version: string) =>
  `case "$1" in version) ${version} ;; install) ${install} ;; esac\n`;

describe("run-steps.sh", () => {
  it("cached steps (a machine from a prebuild): only checked, done with reason=cached; a failed check installs", () => {
    const marker = path.join(tmp, "installed-marker");
    const step = (check: string) => `if [ "$1" = check ]; then ${check}; fi\necho ran >> ${marker}\n`;
    const r = run(
      "cached",
      [
        { name: "a", kind: "cached-bundle", body: bundle("echo ran >> " + marker, "echo 'a 1.2.3'") },
        { name: "b", kind: "cached-step", body: step("exit 0") },
        { name: "c", kind: "cached-bundle", body: bundle("echo installed-c", "command -v no-such-tool-x") },
        { name: "d", kind: "cached-step", body: step("exit 1") },
      ],
      "stop",
    );
    expect(r.code).toBe(0);
    expect(r.statuses.map((s) => [s.name, s.status, s.reason ?? ""])).toEqual([
      ["a", "done", "cached"],
      ["b", "done", "cached"],
      ["c", "done", ""],
      ["d", "done", ""],
    ]);
    expect(r.statuses[0]).toMatchObject({ version: "a 1.2.3", exit: "0" });
    // Only d's install ran the marker line (a and b were cached, c installed without it).
    expect(fs.readFileSync(marker, "utf8")).toBe("ran\n");
    expect(r.log(2)).toMatch(/not cached after all \(version failed\): installing\ninstalled-c/);
  });

  it("bundles: done with a version, 100 = skipped, a failure does not stop the others (keep-going)", () => {
    const r = run(
      "bundles",
      [
        { name: "a", kind: "bundle", body: bundle("echo installing a", "echo 'a 1.2.3'") },
        { name: "b", kind: "bundle", body: bundle("echo 'skipped: no apt-get'; exit 100", "true") },
        { name: "c", kind: "bundle", body: bundle("echo broken >&2; exit 7", "true") },
        { name: "d", kind: "bundle", body: bundle("true", "echo d 9") },
      ],
      "keep-going",
    );
    expect(r.code).toBe(1);
    expect(r.statuses.map((s) => [s.name, s.status])).toEqual([
      ["a", "done"],
      ["b", "skipped"],
      ["c", "failed"],
      ["d", "done"],
    ]);
    expect(r.statuses[0]).toMatchObject({ version: "a 1.2.3", exit: "0" });
    expect(r.statuses[1]).toMatchObject({ reason: "skipped: no apt-get" });
    expect(r.statuses[2]).toMatchObject({ exit: "7", log: path.join(r.logs, "03.log") });
    expect(r.log(2)).toBe("broken\n");
    expect(r.log(0)).toBe("installing a\n");
  });

  it("setup: stops at the first failure, the rest skipped, steps see the env file; logs 0640", () => {
    const envFile = path.join(tmp, "env.sh");
    fs.writeFileSync(envFile, "export GREETING='hello there'\n", { mode: 0o600 });
    const marker = path.join(tmp, "ran-third");
    const r = run(
      "setup",
      [
        { name: "first", body: 'echo "$GREETING"\n' },
        { name: "second", body: "exit 3\n" },
        { name: "third", body: `touch '${marker}'\n` },
      ],
      "stop",
      { SPUFF_ENV_FILE: envFile },
    );
    expect(r.code).toBe(1);
    expect(r.statuses.map((s) => s.status)).toEqual(["done", "failed", "skipped"]);
    expect(r.log(0)).toBe("hello there\n");
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.statSync(path.join(r.logs, "01.log")).mode & 0o777).toBe(0o640);
    // Steps have no version line.
    expect(r.statuses[0]?.version).toBe("");
  });

  it("all done exits 0", () => {
    const r = run("ok", [{ name: "only", body: "true\n" }], "stop");
    expect(r.code).toBe(0);
    expect(r.statuses[0]?.status).toBe("done");
  });

  it("a step that overruns SPUFF_STEP_TIMEOUT is failed (124) and says so in its log", () => {
    const r = run("slow", [{ name: "slow", body: "sleep 5\n" }], "stop", { SPUFF_STEP_TIMEOUT: "1" });
    expect(r.statuses[0]).toMatchObject({ status: "failed", exit: "124" });
    expect(r.log(0)).toContain("timed out after 1s");
  });
});

describe("bundle scripts", () => {
  const files = fs.readdirSync(scriptsDir).filter((f) => f.endsWith(".sh"));

  it("are embedded byte for byte, shellcheck-clean, bash strict mode", () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const f of files) {
      const text = fs.readFileSync(path.join(scriptsDir, f), "utf8");
      expect(EMBEDDED_SCRIPTS[f as keyof typeof EMBEDDED_SCRIPTS], f).toBe(text);
      expect(text.startsWith("#!/usr/bin/env bash\n"), f).toBe(true);
      expect(text, f).toMatch(/^set -euo pipefail$/m);
    }
    const r = spawnSync("shellcheck", ["-S", "style", ...files.map((f) => path.join(scriptsDir, f))], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("a bundle without apt-get reports skipped (exit 100), not success", () => {
    const bin = path.join(tmp, "noapt-bin");
    fs.mkdirSync(bin);
    for (const tool of ["bash", "dirname", "cat"]) {
      const real = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
      fs.symlinkSync(real, path.join(bin, tool));
    }
    const r = spawnSync("bash", [path.join(scriptsDir, "bundle-go.sh"), "install"], {
      env: { PATH: bin },
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(r.status).toBe(100);
    expect(r.stdout).toContain("skipped: no apt-get");
  });
});
