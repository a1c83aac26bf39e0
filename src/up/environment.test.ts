/**
 * The environment's payload: with every bundle selected the user-data does not change (bundle
 * scripts travel over SSH) and fits AWS's 16 KB; the project's env, secrets included, is only in
 * the dev user's 0600 file; generated setup steps are shellcheck-clean; the file writer keeps
 * modes and owners exact.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { toStep } from "../agent/steps-status.ts";
import { BUNDLE_NAMES, BUNDLE_SCRIPT } from "../bundles/catalog.ts";
import { AI_TOOLS, TOOL_BUNDLES } from "../bundles/names.ts";
import { generateHostKey } from "../cloudinit/host-key.ts";
import { USER_DATA_LIMITS } from "../cloudinit/user-data.ts";
import { resolveSettings } from "../config/resolve.ts";
import { type Clock, FakeClock } from "../core/clock.ts";
import { TimeoutError } from "../core/errors.ts";
import type { Project } from "../project/load.ts";
import type { Connection } from "../ssh/connection.ts";
import type { ExecOptions, exec } from "../ssh/exec.ts";
import { installScript } from "../ssh/install-files.ts";
import {
  environmentFiles,
  hasSetup,
  planEnvironment,
  runSetup,
  SETUP_TIMEOUT_MS,
  setupProgress,
} from "./environment.ts";
import { planUp } from "./plan.ts";

const userPublicKey = generateHostKey("me@laptop").publicKey;
const hostKey = generateHostKey();
const SECRET = "sk-live-0123456789abcdef-secret";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-env-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const project: Project = {
  file: "/p/spuff.yaml",
  root: "/p",
  name: "app",
  resources: {},
  bundles: ["python"],
  packages: ["jq"],
  repositories: [{ url: "ssh://git@10.0.2.2:2222/srv/app.git", path: "app", branch: "main" }],
  env: { API_KEY: SECRET, MODE: 'it\'s "quoted" $HOME' },
  secretKeys: ["API_KEY"],
  setup: ["npm ci", "echo two > two.txt"],
  prebuild: ["echo warm > warm.txt"],
  ports: [3000],
  hooks: { postUp: "echo done" },
  reads: [],
  digest: "0".repeat(64),
};

describe("every bundle selected", () => {
  const all = resolveSettings(
    { provider: "aws", tools: [...TOOL_BUNDLES], environment: "nix", ai_tools: [...AI_TOOLS] },
    {},
  );
  const none = resolveSettings({ provider: "aws" }, {});

  it("leaves user-data unchanged and within AWS's 16 KB: bundle scripts go over SSH", () => {
    const a = planUp(all, { name: "all" }, { now: 0, userPublicKey, hostKey });
    const b = planUp(none, { name: "all" }, { now: 0, userPublicKey, hostKey });
    expect(a.encoded.bytes).toBe(b.encoded.bytes);
    expect(a.encoded.bytes).toBeLessThanOrEqual(USER_DATA_LIMITS.aws as number);
    for (const name of BUNDLE_NAMES) expect(a.userData).not.toContain(BUNDLE_SCRIPT[name].split("\n")[1]);
    const env = planEnvironment(all, undefined);
    expect(env.background).toEqual([...TOOL_BUNDLES, "nix", ...AI_TOOLS]);
    const payload = environmentFiles(env, "dev").files.reduce((n, f) => n + Buffer.byteLength(f.content), 0);
    // What would have been added to user-data; printed for the report.
    console.log(`user-data ${a.encoded.bytes} bytes; bundle payload over SSH ${payload} bytes`);
    expect(payload).toBeGreaterThan(0);
  });

  it("a project env value that reaches user-data stops the plan", () => {
    const leaky = resolveSettings({ provider: "aws", dotfiles: `https://x.example/${SECRET}.git` }, {});
    expect(() =>
      planUp(leaky, { name: "leak" }, { now: 0, userPublicKey, hostKey, projectSecrets: [SECRET] }),
    ).toThrow(/user-data contains secret/);
  });
});

describe("environmentFiles", () => {
  const settings = resolveSettings({ tools: ["python", "go"] }, {});
  const plan = planEnvironment(settings, project);
  const { dirs, files } = environmentFiles(plan, "dev");

  it("the project's bundles run in its setup, the rest in the background", () => {
    expect(plan.background).toEqual(["go"]);
    const list = files.find((f) => f.path === "/var/lib/spuff/setup/steps.list")?.content ?? "";
    expect(list.split("\n").map((l) => l.split("\t")[1])).toEqual([
      "bundle python",
      "packages jq",
      "prebuild 1: echo warm > warm.txt",
      "clone app",
      "setup 1: npm ci",
      "setup 2: echo two > two.txt",
      "post_up: echo done",
      undefined,
    ]);
  });

  it("the secret is only in the dev user's 0600 env file", () => {
    const holders = files.filter((f) => f.content.includes(SECRET));
    expect(holders.map((f) => [f.path, f.mode, f.owner])).toEqual([
      ["/home/dev/.config/spuff/env.sh", "0600", "dev:dev"],
    ]);
    expect(dirs.find((d) => d.path === "/home/dev/.config/spuff")).toMatchObject({ mode: "0700" });
  });

  it("the env file gives the values back byte for byte in bash", () => {
    const env = files.find((f) => f.path.endsWith("env.sh"))?.content ?? "";
    const file = path.join(tmp, "env.sh");
    fs.writeFileSync(file, env);
    const r = spawnSync("bash", ["-c", `. '${file}'; printf '%s|%s' "$API_KEY" "$MODE"`], {
      encoding: "utf8",
    });
    expect(r.stdout).toBe(`${SECRET}|it's "quoted" $HOME`);
  });

  it("generated step scripts are shellcheck-clean", () => {
    const steps = files.filter((f) => f.path.startsWith("/var/lib/spuff/setup/steps/"));
    expect(steps).toHaveLength(7);
    const paths = steps.map((s, i) => {
      const p = path.join(tmp, `step-${i}.sh`);
      // The user's own commands are not ours to lint: check only spuff's generated steps.
      fs.writeFileSync(p, s.content);
      return p;
    });
    const ours = [paths[0], paths[1], paths[3]] as string[]; // bundle, packages, clone
    const r = spawnSync("shellcheck", ["-S", "style", ...ours], { encoding: "utf8", timeout: 20_000 });
    expect(r.stdout + r.stderr).toBe("");
  });

  it("installScript writes exact modes and owners, atomically, and refuses odd paths", () => {
    const root = path.join(tmp, "install");
    const script = installScript(
      [{ path: `${root}/d`, mode: "0700", owner: "root:root" }],
      [
        { path: `${root}/d/secret`, content: `${SECRET}\n`, mode: "0600", owner: "root:root" },
        { path: `${root}/d/run.sh`, content: "echo hi\n", mode: "0755", owner: "root:root" },
      ],
    );
    expect(script).not.toContain(SECRET);
    const r = spawnSync("bash", ["-s"], { input: script, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(`${root}/d/secret`, "utf8")).toBe(`${SECRET}\n`);
    expect(fs.statSync(`${root}/d/secret`).mode & 0o777).toBe(0o600);
    expect(fs.statSync(`${root}/d/run.sh`).mode & 0o777).toBe(0o755);
    expect(fs.statSync(`${root}/d`).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(`${root}/d`).sort()).toEqual(["run.sh", "secret"]);
    expect(() =>
      installScript([], [{ path: "/a/../etc/x", content: "", mode: "0600", owner: "root:root" }]),
    ).toThrow(/Refusing/);
  });
});

describe("environmentFiles for prebuilds", () => {
  const settings = resolveSettings({ tools: ["python", "go"] }, {});
  const listOf = (plan: Parameters<typeof environmentFiles>[0], which: "setup" | "bundles") =>
    (
      environmentFiles(plan, "dev").files.find((f) => f.path === `/var/lib/spuff/${which}/steps.list`)
        ?.content ?? ""
    )
      .trim()
      .split("\n")
      .map((l) => [l.split("\t")[1], l.split("\t")[3]]);

  it("`spuff prebuild` runs only what a prebuild holds: no clones, setup commands or hooks", () => {
    const plan = { ...planEnvironment(settings, project), prebuildOnly: true };
    expect(hasSetup(plan)).toBe(true);
    expect(listOf(plan, "setup")).toEqual([
      ["bundle python", "bundle"],
      ["packages jq", "step"],
      ["prebuild 1: echo warm > warm.txt", "step"],
    ]);
    const bare = { ...project, bundles: [], packages: [], prebuild: [] };
    expect(hasSetup({ ...planEnvironment(settings, bare), prebuildOnly: true })).toBe(false);
  });

  it("`up` from a prebuild marks what the prebuild holds cached, and nothing else", () => {
    const plan = {
      ...planEnvironment(settings, project),
      prebuild: { id: "7", name: "spuff-pb-app-0123456789abcdef" },
    };
    expect(listOf(plan, "setup")).toEqual([
      ["bundle python", "cached-bundle"],
      ["packages jq", "cached-step"],
      ["prebuild 1: echo warm > warm.txt", "cached-step"],
      ["clone app", "step"],
      ["setup 1: npm ci", "step"],
      ["setup 2: echo two > two.txt", "step"],
      ["post_up: echo done", "step"],
    ]);
    expect(listOf(plan, "bundles")).toEqual([["go", "cached-bundle"]]);
    // The secret env is sent again to a machine from a prebuild (the prebuild's was scrubbed).
    expect(
      environmentFiles(plan, "dev").files.some(
        (f) => f.path.endsWith("env.sh") && f.content.includes(SECRET),
      ),
    ).toBe(true);
  });
});

describe("setupProgress on a fake clock", () => {
  const step = (name: string, status: string) => toStep(name, { status, name });

  it("reads once a second of the clock, names the running step, stops when setup finished", async () => {
    const clock = new FakeClock();
    let reads = 0;
    let finished = false;
    const seen: string[] = [];
    const done = setupProgress(
      async () => {
        reads++;
        return [step("01", "done"), step("02", "running"), step("03", "pending")];
      },
      (l) => seen.push(l),
      () => finished,
      clock,
    );
    await clock.advance(999);
    expect(reads).toBe(0);
    await clock.advance(1);
    expect(reads).toBe(1);
    expect(seen).toEqual(["step 2/3: 02"]);
    finished = true;
    await clock.advance(1000);
    await done;
    expect(reads).toBe(1);
  });

  it("ends on its own once SETUP_TIMEOUT_MS of the clock have passed", async () => {
    const clock = new FakeClock();
    let reads = 0;
    let ended = false;
    const done = setupProgress(
      async () => {
        reads++;
        throw new Error("read failed"); // costs one update each time, never the loop
      },
      () => {},
      () => false,
      clock,
    ).then(() => {
      ended = true;
    });
    await clock.advance(SETUP_TIMEOUT_MS - 1000);
    expect(ended).toBe(false);
    await clock.advance(1000);
    await done;
    expect(reads).toBe(SETUP_TIMEOUT_MS / 1000);
  });
});

describe("runSetup on a fake clock (commands answered by a stand-in)", () => {
  /** The runner never ends by itself (it times out on the clock it is given); status reads answer. */
  function fakeExec(statusFiles: () => string) {
    const commands: string[] = [];
    const run = ((_c: Connection, command: string, o: ExecOptions) => {
      commands.push(command);
      if (!command.includes("run-steps")) {
        return Promise.resolve({ stdout: statusFiles(), stderr: "", exitCode: 0, signal: null });
      }
      return (o.clock as Clock).sleep(o.timeoutMs).then(() => {
        throw new TimeoutError("remote command", o.timeoutMs);
      });
    }) as typeof exec;
    return { run, commands };
  }

  it("reports the running step each second and ends the runner at SETUP_TIMEOUT_MS of the clock", async () => {
    const clock = new FakeClock();
    const { run, commands } = fakeExec(
      () => "\x1e01\nstatus=running\nname=npm ci\n\x1e02\nstatus=pending\nname=npm test\n",
    );
    const seen: string[] = [];
    let outcome: unknown;
    const done = runSetup({} as Connection, "dev", (l) => seen.push(l), { clock, exec: run }).catch((e) => {
      outcome = e;
    });
    await clock.advance(3000);
    expect(seen).toEqual(["step 1/2: npm ci", "step 1/2: npm ci", "step 1/2: npm ci"]);
    expect(commands[0]).toContain("run-steps.sh");
    await clock.advance(SETUP_TIMEOUT_MS - 3001);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    await done;
    expect(outcome).toBeInstanceOf(TimeoutError);
    expect((outcome as Error).message).toBe("Timed out after 2700.0s: remote command");
  });
});
