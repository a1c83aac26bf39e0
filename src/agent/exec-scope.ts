/**
 * Transient systemd scopes for /exec. A command's own process group is not enough: anything can
 * leave it (`setsid`, a double fork), so a timeout that kills the group leaves such a child
 * running. Each exec instead runs in its own scope, i.e. its own cgroup, which no descendant can
 * leave without privileges, and a timeout kills the whole cgroup. Node 18 built-ins only.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync } from "node:fs";
import type { DevUser } from "./exec.ts";

export interface ExecScopes {
  /** A fresh unit name (the .scope suffix is added by systemd-run). */
  newUnit(): string;
  /** The argv that runs `argv` in scope `unit`, as `user` when given (the caller stays root). */
  wrap(unit: string, argv: string[], user?: DevUser): string[];
  /** SIGKILL every process in the unit's cgroup. */
  kill(unit: string): Promise<void>;
}

export interface ScopeTools {
  systemdRun: string;
  systemctl: string;
}

export function systemdScopes(
  tools: ScopeTools = { systemdRun: "systemd-run", systemctl: "systemctl" },
): ExecScopes {
  return {
    newUnit: () => `spuff-exec-${randomBytes(6).toString("hex")}`,
    wrap: (unit, argv, user) => [
      tools.systemdRun,
      "--scope",
      "--quiet",
      "--collect",
      `--unit=${unit}`,
      "--description=spuff agent /exec",
      ...(user ? [`--uid=${user.uid}`, `--gid=${user.gid}`] : []),
      "--",
      ...argv,
    ],
    kill: (unit) =>
      new Promise((resolve, reject) => {
        execFile(
          tools.systemctl,
          ["kill", "--signal=SIGKILL", `${unit}.scope`],
          { timeout: 10_000 },
          (err, _out, stderr) => {
            // Already gone (the command finished as the timer fired): nothing left to kill.
            if (err && !/not loaded|not found/i.test(stderr))
              reject(new Error(`systemctl kill ${unit}: ${stderr || err.message}`));
            else resolve();
          },
        );
      }),
  };
}

const BIN_DIRS = ["/usr/bin", "/bin", "/usr/local/bin"];

function findBin(name: string): string | undefined {
  for (const d of BIN_DIRS) {
    try {
      accessSync(`${d}/${name}`, constants.X_OK);
      return `${d}/${name}`;
    } catch {
      // try the next directory
    }
  }
  return undefined;
}

/**
 * Scopes when they can work here: systemd is the running init (sd_booted's test), both tools
 * exist, and the agent is root (creating a system scope needs it). Otherwise the reason.
 */
export function detectScopes(isRoot: boolean, runDir = "/run/systemd/system"): ExecScopes | string {
  if (!isRoot) return "the agent is not root";
  if (!existsSync(runDir)) return `systemd is not the running init (${runDir} is missing)`;
  const systemdRun = findBin("systemd-run");
  const systemctl = findBin("systemctl");
  if (!systemdRun || !systemctl) return "systemd-run or systemctl is not installed";
  return systemdScopes({ systemdRun, systemctl });
}
