/**
 * Test helper: builds the real bundle, copies it to a temp dir (so a concurrent rebuild by another
 * test run cannot swap it mid-test) and starts it as a process on a free loopback port.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";

const repo = path.resolve(import.meta.dirname, "../../..");

export interface AgentFixture {
  dir: string;
  bundle: string;
  token: string;
  logRoot: string;
  secret: string;
  env: Record<string, string>;
}

/** Builds once and lays out temp roots: token file, log root with symlinks out, a secret outside. */
export function makeFixture(): AgentFixture {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), "spuff-agentproc-")));
  const bundle = path.join(dir, "spuff-agent.cjs");
  // test/global-setup.ts builds dist/ once before any test file runs.
  copyFileSync(path.join(repo, "dist/agent/spuff-agent.cjs"), bundle);
  const token = `tok-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const secret = `TOPSECRET-${Math.random().toString(36).slice(2)}`;
  const logRoot = path.join(dir, "log");
  mkdirSync(path.join(logRoot, "sub"), { recursive: true });
  mkdirSync(path.join(dir, "cloud-init"));
  writeFileSync(path.join(dir, "secret.txt"), `${secret}\n`);
  writeFileSync(path.join(logRoot, "syslog"), "one\ntwo\nthree\n");
  writeFileSync(path.join(logRoot, "cloud-init-output.log"), "ci-1\nci-2\n");
  writeFileSync(path.join(logRoot, "sub", "app.log"), "app\n");
  symlinkSync(path.join(dir, "secret.txt"), path.join(logRoot, "escape.log"));
  symlinkSync(dir, path.join(logRoot, "up"));
  writeFileSync(path.join(dir, "agent.env"), `SPUFF_AGENT_TOKEN=${token}\n`);
  writeFileSync(path.join(dir, "bootstrap.status"), "running\n");
  writeFileSync(
    path.join(dir, "agent.json"),
    JSON.stringify({
      idle_timeout_seconds: 3600,
      max_lifetime_seconds: 0,
      provider: "local",
      teardown: "poweroff",
    }),
  );
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    SPUFF_AGENT_PORT: "0",
    SPUFF_AGENT_ENV_FILE: path.join(dir, "agent.env"),
    SPUFF_AGENT_SETTINGS_FILE: path.join(dir, "agent.json"),
    SPUFF_AGENT_LOG_ROOT: logRoot,
    SPUFF_AGENT_BOOTSTRAP_STATUS: path.join(dir, "bootstrap.status"),
    SPUFF_AGENT_CLOUD_INIT_DIR: path.join(dir, "cloud-init"),
    SPUFF_AGENT_PTS_DIR: path.join(dir, "pts"),
    SPUFF_AGENT_KEEPALIVE_FILE: path.join(dir, "keepalive"),
    SPUFF_AGENT_TEARDOWN_STATE: path.join(dir, "teardown.json"),
    SPUFF_DEV_USER: "nobody",
  };
  return { dir, bundle, token, logRoot, secret, env };
}

export interface RunningAgent {
  port: number;
  proc: ChildProcess;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** Starts the bundle and waits (≤ 10 s) for "listening on 127.0.0.1:PORT" on stderr. */
export function startAgent(f: AgentFixture, extraEnv: Record<string, string> = {}): Promise<RunningAgent> {
  const proc = spawn(process.execPath, [f.bundle], {
    env: { ...f.env, ...extraEnv },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once("exit", () => resolve());
      proc.kill("SIGKILL");
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`agent did not start: ${err}`));
    }, 10_000);
    proc.stderr!.on("data", (c: Buffer) => {
      err += c.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), proc, stderr: () => err, stop });
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited ${code}: ${err}`));
    });
  });
}

export function removeFixture(f: AgentFixture | undefined): void {
  if (f) rmSync(f.dir, { recursive: true, force: true });
}

/** Registers beforeAll/afterAll: a fixture and the real agent process on it; read the fields in tests. */
export function useRunningAgent(): { f: AgentFixture; agent: RunningAgent } {
  const ctx = {} as { f: AgentFixture; agent: RunningAgent };
  beforeAll(async () => {
    ctx.f = makeFixture();
    ctx.agent = await startAgent(ctx.f);
  });
  afterAll(async () => {
    await ctx.agent?.stop();
    removeFixture(ctx.f);
  });
  return ctx;
}
