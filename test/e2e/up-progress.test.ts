/**
 * `spuff up`'s progress as a user sees it: the real binary under a pseudo-terminal (util-linux
 * `script`), with NO_COLOR, through a pipe and with --json, against the DigitalOcean simulator.
 * Backend none: there is no sshd behind the droplet, so `up` fails after wait_ready — the
 * renderer's failure path. On real machines (nspawn behind the simulator) the full list, with
 * cloud-init's live log line, to the end.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DigitalOceanSim, startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { realMachineBackend } from "../../src/sim/machine-backend.ts";
import { ndjson, REPO, runSpuff, SPUFF_BIN } from "../helpers/cli.ts";
import { removeDataDirs, runMachineSuites, tempDataDir } from "../helpers/machines.ts";
import { generateKeyPair } from "../helpers/sshd.ts";

const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;
const CURSOR_UP = "\u001b[1A";
const visible = (s: string) => s.replace(ESCAPES, "").replace(/\r/g, "");

interface Ctx {
  dir: string;
  env: Record<string, string>;
}

/** The real binary on a 100×40 pseudo-terminal; resolves with everything the terminal received. */
function runOnPty(
  args: string[],
  c: Ctx,
  extraEnv: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<{ code: number | null; out: string }> {
  const inner = `stty cols 100 rows 40; exec ${[process.execPath, SPUFF_BIN, ...args].join(" ")}`;
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qfec", inner, "/dev/null"], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: c.dir,
        TERM: "xterm-256color",
        ...c.env,
        ...extraEnv,
      },
      // stdin stays open: at EOF on its input, script sends the terminal an end-of-file.
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, out });
    });
  });
}

async function initConfig(c: Ctx, extra: [string, string][] = []): Promise<void> {
  const run = (args: string[]) => runSpuff(args, { configDir: c.dir, env: c.env });
  const key = path.join(c.dir, "id_ed25519");
  generateKeyPair(key);
  const init = await run(["init", "--defaults", "--provider", "digitalocean", "--ssh-key", key]);
  expect(init.code, init.stderr).toBe(0);
  for (const [k, v] of extra) expect((await run(["config", "set", k, v])).code).toBe(0);
}

describe("up progress on the DigitalOcean simulator, nothing behind the droplet (fails at SSH)", () => {
  let sim: DigitalOceanSim;
  const c = {} as Ctx;
  beforeAll(async () => {
    sim = await startDigitalOceanSim({ activeAfterMs: 300 });
    c.dir = fs.mkdtempSync(path.join("/tmp", "spuff-up-progress-"));
    c.env = {
      SPUFF_CONFIG_DIR: path.join(c.dir, "cfg"),
      SPUFF_DATA_DIR: path.join(c.dir, "data"),
      DIGITALOCEAN_TOKEN: sim.token,
      DIGITALOCEAN_API_URL: sim.url,
    };
    await initConfig(c, [["timeouts.ssh_port", "2s"]]);
  });
  afterAll(async () => {
    await sim?.close();
    fs.rmSync(c.dir, { recursive: true, force: true });
  });

  it("on a terminal: a task list redrawn in place, phase times, the failed phase marked, then the error", async () => {
    const r = await runOnPty(["up", "pty-fail", "--no-connect"], c);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(CURSOR_UP); // log-update redraws the list in place
    const text = visible(r.out);
    expect(text).toMatch(/✔ Generate cloud-config \(\d+\.\ds\)/);
    expect(text).toMatch(/✔ Create instance \(\d+\.\ds\)/);
    expect(text).toMatch(/✔ Wait until active \(\d+\.\ds\)\n\s+› 127\.\d+\.\d+\.\d+/);
    // Nothing answers on the droplet's address: wait_ssh (or login, if something else does) fails.
    expect(text).toMatch(/✖ (Wait for SSH|Log in \(pinned host key\)) \(\d+\.\ds\)/);
    expect(text).toMatch(/spuff up failed during (wait_ssh|login)/);
    // The error comes after the list has stopped, not inside a frame that is redrawn over.
    expect(text.lastIndexOf("spuff up failed")).toBeGreaterThan(text.lastIndexOf("Start agent"));
  }, 90_000);

  it("NO_COLOR on the same terminal: plain lines with milliseconds, no cursor movement", async () => {
    const r = await runOnPty(["up", "pty-nocolor", "--no-connect"], c, { NO_COLOR: "1" });
    expect(r.code).not.toBe(0);
    expect(r.out).not.toContain(CURSOR_UP);
    const lines = visible(r.out).split("\n");
    expect(lines).toContainEqual(
      expect.stringMatching(/^✓ generate_cloud_config \d+ ms {2}\d+ bytes of user-data$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^✓ create_instance \d+ ms {2}id \d+$/));
    expect(lines).toContainEqual(expect.stringMatching(/^✓ wait_ready \d+ ms {2}127\./));
    expect(lines).toContainEqual(expect.stringMatching(/^✗ (wait_ssh|login) \d+ ms {2}/));
  }, 90_000);

  it("stderr a pipe: the same plain lines; --json: NDJSON events with the failed phase and its ms", async () => {
    const piped = await runSpuff(["up", "pipe-fail", "--no-connect"], { configDir: c.dir, env: c.env });
    expect(piped.code).not.toBe(0);
    expect(piped.stderr).toMatch(/^✓ wait_ready \d+ ms {2}127\./m);
    expect(piped.stderr).not.toContain(CURSOR_UP);

    const json = await runSpuff(["up", "json-fail", "--no-connect", "--json"], {
      configDir: c.dir,
      env: c.env,
    });
    expect(json.code).not.toBe(0);
    const events = ndjson(json.stdout);
    expect(events.slice(0, 2)).toEqual([
      { event: "phase", phase: "generate_cloud_config", status: "start" },
      {
        event: "phase",
        phase: "generate_cloud_config",
        status: "done",
        ms: expect.any(Number),
        detail: expect.stringMatching(/bytes of user-data$/),
      },
    ]);
    expect(events.at(-1)).toMatchObject({
      event: "phase",
      phase: expect.stringMatching(/^(wait_ssh|login)$/),
      status: "failed",
      ms: expect.any(Number),
    });
    expect(JSON.parse(json.stderr.trim().split("\n").at(-1) as string)).toMatchObject({
      error: expect.objectContaining({ code: "up_failed" }),
    });
  }, 90_000);
});

describe.runIf(runMachineSuites)("up progress on a real machine (DigitalOcean simulator on nspawn)", () => {
  let sim: DigitalOceanSim;
  const c = {} as Ctx;
  const run = (args: string[], timeoutMs = 60_000) =>
    runSpuff(args, { configDir: c.dir, env: c.env, timeoutMs });
  beforeAll(async () => {
    c.dir = tempDataDir("up-progress-nspawn");
    sim = await startDigitalOceanSim({
      activeAfterMs: 200,
      backend: realMachineBackend({ driver: "nspawn", dataDir: c.dir }),
    });
    c.env = {
      SPUFF_CONFIG_DIR: path.join(c.dir, "cfg"),
      SPUFF_DATA_DIR: c.dir,
      DIGITALOCEAN_TOKEN: sim.token,
      DIGITALOCEAN_API_URL: sim.url,
    };
    await initConfig(c);
  });
  afterAll(async () => {
    await sim?.close();
    await removeDataDirs([c.dir]);
  });

  /** cloud-init's output log on the machine, to check the details we showed were its lines. */
  async function machineLog(name: string): Promise<string[]> {
    const r = await run(["exec", name, "--", "sudo", "-n", "cat", "/var/log/cloud-init-output.log"]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.split(/[\r\n]+/).map((l) => l.trimEnd());
  }

  it("on a terminal: every phase done with its time, cloud-init's live log line under its phase", async () => {
    const r = await runOnPty(["up", "pty-ok", "--no-connect"], c, {}, 300_000);
    const text = visible(r.out);
    expect(r.code, text).toBe(0);
    for (const label of [
      "Generate cloud-config",
      "Create instance",
      "Wait until active",
      "Wait for SSH",
      "Log in \\(pinned host key\\)",
      "Upload agent and token",
      "Wait for cloud-init",
      "Start agent",
    ]) {
      expect(text).toMatch(new RegExp(`✔ ${label} \\(\\d+\\.\\ds\\)`));
    }
    expect(text).toMatch(/Ready in \d+\.\ds: pty-ok/);
    // Details drawn under "Wait for cloud-init" while it ran: lines of the machine's real log.
    const shown = [...text.matchAll(/Wait for cloud-init\n\s+› (.+)/g)].map((m) =>
      (m[1] as string).trimEnd(),
    );
    expect(shown.length).toBeGreaterThan(0);
    const log = await machineLog("pty-ok");
    expect(shown.some((l) => log.includes(l))).toBe(true);
    expect((await run(["down", "pty-ok", "--force"], 120_000)).code).toBe(0);
  }, 400_000);

  it("--json: progress events carry cloud-init's log lines between the phase's start and done", async () => {
    const r = await run(["up", "json-ok", "--no-connect", "--json"], 300_000);
    expect(r.code, r.stderr).toBe(0);
    const events = ndjson(r.stdout);
    const start = events.findIndex((e) => e.phase === "wait_cloud_init" && e.status === "start");
    const done = events.findIndex((e) => e.phase === "wait_cloud_init" && e.status === "done");
    const progress = events.filter((e) => e.status === "progress");
    expect(progress.length).toBeGreaterThan(0);
    for (const e of progress) {
      expect(e).toEqual({
        event: "phase",
        phase: "wait_cloud_init",
        status: "progress",
        detail: expect.any(String),
      });
      const at = events.indexOf(e);
      expect(at > start && at < done).toBe(true);
    }
    const log = await machineLog("json-ok");
    for (const e of progress) expect(log).toContain(e.detail);
    expect((await run(["down", "json-ok", "--force"], 120_000)).code).toBe(0);
  }, 400_000);
});
