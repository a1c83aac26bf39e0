/** Run the real bundled `spuff` binary as a subprocess with its own config dir. */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import path from "node:path";

export const REPO = path.resolve(import.meta.dirname, "../..");
export const SPUFF_BIN = path.join(REPO, "bin/spuff.cjs");

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment the binary runs with in tests: only PATH from outside, and its own dirs. */
export function spuffEnv(configDir: string, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: configDir,
    SPUFF_CONFIG_DIR: configDir,
    SPUFF_DATA_DIR: path.join(configDir, "data"),
    ...env,
  };
}

/** The binary started with piped stdio in its own environment (and `cwd`, where spuff looks for spuff.yaml). */
export function spawnSpuff(
  args: string[],
  o: { configDir: string; env?: Record<string, string>; cwd?: string },
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [SPUFF_BIN, ...args], {
    env: spuffEnv(o.configDir, o.env),
    ...(o.cwd ? { cwd: o.cwd } : {}),
    stdio: ["pipe", "pipe", "pipe"],
  });
}

export function runSpuff(
  args: string[],
  opts: {
    configDir: string;
    env?: Record<string, string>;
    input?: string;
    timeoutMs?: number;
    /** Working directory (where spuff looks for spuff.yaml); default the test's. */
    cwd?: string;
  },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnSpuff(args, opts);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** stdout of an NDJSON command (`up --json`): one parsed object a line. */
export function ndjson(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
