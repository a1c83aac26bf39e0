/**
 * Runs one shell command for POST /exec. The command is ONE argv element of `bash -lc`, never
 * spliced into a command line. When the agent runs as root the child drops to the dev user
 * (uid/gid from passwd). With systemd (exec-scope.ts) each command runs in its own transient
 * scope and a timeout kills the scope's whole cgroup; without, the child leads its own process
 * group and a timeout kills that group (a `setsid` descendant escapes it). Each output stream is
 * capped so a chatty command cannot exhaust memory.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import type { ExecScopes } from "./exec-scope.ts";

export interface ExecResult {
  exit_code: number;
  stdout: string;
  stderr: string;
  duration_ms: number;
  timed_out: boolean;
}

export type ExecFn = (command: string, timeoutMs: number) => Promise<ExecResult>;

export const OUTPUT_CAP = 1024 * 1024;

export interface DevUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** Looks `name` up in a passwd-format file. */
export function lookupUser(name: string, passwdFile = "/etc/passwd"): DevUser | undefined {
  for (const line of readFileSync(passwdFile, "utf8").split("\n")) {
    const f = line.split(":");
    if (f[0] === name && f.length >= 7) {
      return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? "/" };
    }
  }
  return undefined;
}

export interface ExecOptions {
  /** Required when the agent runs as root: commands never run as root. */
  user?: DevUser;
  now?: () => number;
  /** Run each command in its own systemd scope (cgroup); absent: process group only. */
  scopes?: ExecScopes;
  /** Where a failure to kill a timed-out scope is reported. */
  logError?: (err: unknown) => void;
  /** The commands' environment when there is no `user` to drop to (default: the agent's own). */
  env?: NodeJS.ProcessEnv;
}

export function createExec(opts: ExecOptions): ExecFn {
  const now = opts.now ?? Date.now;
  return (command, timeoutMs) =>
    new Promise((resolve, reject) => {
      const start = now();
      const u = opts.user;
      const unit = opts.scopes?.newUnit();
      // In a scope, systemd-run (still root) creates the scope, then drops to the user itself.
      const argv =
        unit && opts.scopes ? opts.scopes.wrap(unit, ["bash", "-lc", command], u) : ["bash", "-lc", command];
      const child = spawn(argv[0]!, argv.slice(1), {
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        // Users like `nobody` have a home that does not exist; spawn would fail with ENOENT on cwd.
        ...(u ? { cwd: existsSync(u.home) ? u.home : "/" } : {}),
        ...(u && !unit ? { uid: u.uid, gid: u.gid } : {}),
        env: u
          ? {
              HOME: u.home,
              USER: u.name,
              LOGNAME: u.name,
              PATH: "/usr/local/bin:/usr/bin:/bin",
              LANG: "C.UTF-8",
            }
          : { ...(opts.env ?? process.env) },
      });
      const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], n: { stdout: 0, stderr: 0 } };
      const collect = (key: "stdout" | "stderr") => (b: Buffer) => {
        const room = OUTPUT_CAP - out.n[key];
        if (room <= 0) return;
        const part = b.length > room ? b.subarray(0, room) : b;
        out[key].push(part);
        out.n[key] += part.length;
      };
      child.stdout.on("data", collect("stdout"));
      child.stderr.on("data", collect("stderr"));
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        if (unit) opts.scopes?.kill(unit).catch((err) => opts.logError?.(err));
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
        // Without a scope, a daemonised grandchild (own session) may still hold the pipes open.
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, 1000).unref();
      }, timeoutMs);
      child.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({
          exit_code: code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0),
          stdout: Buffer.concat(out.stdout).toString("utf8"),
          stderr: Buffer.concat(out.stderr).toString("utf8"),
          duration_ms: now() - start,
          timed_out: timedOut,
        });
      });
    });
}
