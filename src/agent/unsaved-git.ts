/**
 * git for the unsaved-work scanner, run so that a repository cannot make it run anything. The
 * repositories under ~/workspace are cloned from anywhere, and a repository's own .git/config
 * may name commands git runs on the way: core.fsmonitor (on every index read), filter.<x>.clean
 * and .process (when a file's stat data is racy, even plumbing hashes it through the filter named
 * in .gitattributes), hooks, pagers, external diffs. So: no system config, a clean environment,
 * only plumbing commands that never run hooks, pagers or diff drivers, `-c` overrides for the
 * fixed keys, and every filter the configuration defines (listed by `git config`, which runs
 * nothing) neutralised by name. Node ≥ 18 built-ins only.
 */
import { execFile } from "node:child_process";
import path from "node:path";

export interface GitUser {
  uid: number;
  gid: number;
  home: string;
}

export type GitRunner = (args: string[]) => Promise<string>;

const TIMEOUT_MS = 10_000;
const MAX_OUTPUT = 1024 * 1024;

/** Keys whose values are commands (or turn on a daemon) and that the scanner never needs. */
export const FIXED_OVERRIDES = [
  "core.fsmonitor=false",
  "core.hooksPath=/dev/null",
  "core.pager=cat",
  "core.untrackedCache=false",
  "core.attributesFile=/dev/null",
  "core.askPass=",
  "credential.helper=",
  "gc.auto=0",
  "maintenance.auto=false",
];

function gitEnv(home: string, repo: string): Record<string, string> {
  return {
    PATH: "/usr/bin:/bin",
    HOME: home,
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_ATTR_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_OPTIONAL_LOCKS: "0",
    GIT_PAGER: "cat",
    GIT_NO_REPLACE_OBJECTS: "1",
    // Never search above the repository for another one (a .git in a parent directory).
    GIT_CEILING_DIRECTORIES: path.dirname(repo),
  };
}

class GitFailed extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

function runGit(
  repo: string,
  user: GitUser | undefined,
  home: string,
  what: string,
  argv: string[],
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      argv,
      {
        cwd: repo,
        env: gitEnv(home, repo),
        timeout: TIMEOUT_MS,
        maxBuffer: MAX_OUTPUT,
        encoding: "utf8",
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
      },
      (err, stdout, stderr) => {
        const code = typeof err?.code === "number" ? err.code : null;
        if (err) reject(new GitFailed(`git ${what}: ${stderr.trim() || err.message}`, code));
        else resolve(stdout);
      },
    );
  });
}

/** Filter driver names defined anywhere in the configuration git would read (NUL-separated output). */
export function filterNames(configOutput: string): string[] {
  const names = new Set<string>();
  for (const entry of configOutput.split("\0")) {
    const key = entry.split("\n", 1)[0] ?? "";
    const m = /^filter\.(.+)\.[^.]+$/s.exec(key);
    if (m?.[1]) names.add(m[1]);
  }
  return [...names];
}

/**
 * A runner for one repository: the first call lists the configured filters, every call carries
 * the overrides. As `user` (uid/gid) when the agent runs as root.
 */
export async function gitFor(repo: string, user: GitUser | undefined, home: string): Promise<GitRunner> {
  const fixed = FIXED_OVERRIDES.flatMap((kv) => ["-c", kv]);
  // Exit 1 means "no such key": no filters.
  const listed = await runGit(repo, user, home, "config", [
    ...fixed,
    "config",
    "-z",
    "--get-regexp",
    "^filter\\.",
  ]).catch((err: GitFailed) => {
    if (err.exitCode === 1) return "";
    throw err;
  });
  const filters = filterNames(listed).flatMap((n) => [
    "-c",
    `filter.${n}.clean=`,
    "-c",
    `filter.${n}.smudge=`,
    "-c",
    `filter.${n}.process=`,
    "-c",
    `filter.${n}.required=false`,
  ]);
  return (args) => runGit(repo, user, home, args[0] ?? "", ["--no-pager", ...fixed, ...filters, ...args]);
}
