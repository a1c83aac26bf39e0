/**
 * Each user-namespaced nspawn machine runs in a cgroup of its own: with no systemd on the host,
 * nspawn (--keep-unit) nests below its caller's cgroup and chowns the `payload` cgroup there to
 * the machine's UID base, which in a shared cgroup breaks the next machine and other tenants
 * (local-machines-2.md §1.1). Hybrid hosts have a `name=systemd` v1 tree and cgroup2 at
 * `unified`; pure cgroup2 hosts have /sys/fs/cgroup itself.
 */
import fs from "node:fs";
import path from "node:path";

const ROOT = "/sys/fs/cgroup";

function hierarchies(): string[] {
  if (fs.existsSync(path.join(ROOT, "cgroup.controllers"))) return [ROOT];
  return ["systemd", "unified"]
    .map((h) => path.join(ROOT, h))
    .filter((h) => fs.existsSync(path.join(h, "cgroup.procs")));
}

/** The machine's cgroup in every hierarchy nspawn uses, made if missing. */
export function makeMachineCgroups(name: string): string[] {
  const dirs = hierarchies().map((h) => path.join(h, "spuff", name));
  for (const d of dirs) fs.mkdirSync(d, { recursive: true });
  return dirs;
}

/** Every PID in the machine's cgroups, nested ones included: all of them are the machine's. */
export function pidsInMachineCgroups(name: string): number[] {
  const found: number[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 16) return;
    try {
      for (const line of fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n")) {
        if (/^\d+$/.test(line)) found.push(Number(line));
      }
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(dir, e.name), depth + 1);
      }
    } catch {
      // Gone or never made: nothing in it.
    }
  };
  for (const h of hierarchies()) walk(path.join(h, "spuff", name), 0);
  return [...new Set(found)];
}

/** Removes the machine's cgroups (deepest first); one still holding a process stays. */
export function removeMachineCgroups(name: string): void {
  for (const h of hierarchies()) rmdirDeep(path.join(h, "spuff", name));
}

function rmdirDeep(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) rmdirDeep(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    // Busy: a process is still in it (teardown stopped what it found; gc tries again).
  }
}

/**
 * `sh` arguments that move the shell into `cgroups`, then exec the command: the command starts
 * inside them, before it can fork anything. Paths travel as arguments, never in the script.
 */
export function inCgroups(cgroups: string[], cmd: string, args: string[]): string[] {
  const script =
    'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ >"$1/cgroup.procs"; shift; n=$((n - 1)); done; exec "$@"';
  return ["-c", script, "sh", String(cgroups.length), ...cgroups, cmd, ...args];
}
