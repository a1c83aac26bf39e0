/** Running host tools (ip, mount, debootstrap…) with a bounded time and their stderr in errors. */
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { UserError } from "../core/errors.ts";

export interface RunOptions {
  timeoutMs?: number;
  /** Exit codes that count as success besides 0 (e.g. "already gone"). */
  okCodes?: number[];
  input?: string;
}

export function run(cmd: string, args: string[], o: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { timeout: o.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024, encoding: "utf8" },
      (err, stdout, stderr) => {
        const code = err && typeof err.code === "number" ? err.code : err ? -1 : 0;
        if (!err || o.okCodes?.includes(code)) return resolve(stdout);
        reject(
          new UserError(
            "host_command_failed",
            `${cmd} ${args.join(" ")} failed: ${stderr.trim() || err.message}`,
            {
              cause: err,
            },
          ),
        );
      },
    );
    if (o.input !== undefined) child.stdin?.end(o.input);
  });
}

/** Absolute path of a program on PATH, or undefined. */
export function which(program: string): string | undefined {
  const r = spawnSync("sh", ["-c", 'command -v -- "$1"', "sh", program], { encoding: "utf8" });
  const out = r.stdout.trim();
  return r.status === 0 && out ? out : undefined;
}

/** Runs a program with stdout and stderr appended to `logFile`; its exit code, or "timeout". */
export function runToExit(
  cmd: string,
  args: string[],
  logFile: string,
  timeoutMs: number,
): Promise<number | "timeout"> {
  const out = fs.openSync(logFile, "a", 0o600);
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, { stdio: ["ignore", out, out] });
  } finally {
    fs.closeSync(out);
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve("timeout");
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      fs.appendFileSync(logFile, `${err.message}\n`);
      resolve(-1);
    });
    child.on("exit", (code, sig) => {
      clearTimeout(timer);
      resolve(code ?? (sig ? 128 + (os.constants.signals[sig] ?? 0) : -1));
    });
  });
}
