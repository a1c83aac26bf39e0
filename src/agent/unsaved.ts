/**
 * What a teardown would lose: every git repository under ~/workspace (bounded in depth, count and
 * directories read) and the dotfiles checkout, each with its uncommitted changes, untracked files
 * that are not ignored, stashes and commits on no remote branch. A repository that cannot be
 * checked counts as unsaved (its error says why): the guard errs on the side of the work.
 * The walk never follows a symlink; git runs as the dev user through unsaved-git.ts.
 * With the workspace on a volume (agent.json, believed only from a root-owned file) ~/workspace is
 * left out, but only while it really is a mount point: a volume that failed to mount leaves the
 * work on the machine's own disk, and that is guarded.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { type GitRunner, type GitUser, gitFor } from "./unsaved-git.ts";

export const WORKSPACE_DIR = "workspace";
export const DOTFILES_DIR = ".dotfiles";
const MAX_DEPTH = 4;
const MAX_REPOS = 50;
const MAX_DIRS = 5000;
const SAMPLE = 5;
/** Directories that are never worth walking into (and can be huge). */
const SKIP = new Set(["node_modules", ".git", ".cache", "target", "vendor", ".venv", "__pycache__"]);

export interface RepoUnsaved {
  /** Relative to the dev user's home, e.g. "workspace/app". */
  path: string;
  branch: string | null;
  /** Files changed in the index or the working tree (staged or not). */
  uncommitted: number;
  /** Untracked files or directories that no ignore rule covers. */
  untracked: number;
  stashes: number;
  /** Commits reachable from a local branch or HEAD but from no remote-tracking branch. */
  unpushed: number;
  /** A few of the files/commits, for the list a person reads. */
  sample: string[];
  /** Set when git could not answer: the repository then counts as unsaved. */
  error?: string;
}

export interface UnsavedReport {
  checked_at: string;
  /** False when a bound was hit: more repositories may exist than were checked. */
  complete: boolean;
  /** Only the repositories with something unsaved (or that could not be checked). */
  repos: RepoUnsaved[];
  /** How many repositories were checked in all. */
  checked: number;
  /** ~/workspace was left out: it is a mounted volume that outlives the machine. */
  workspace_on_volume?: boolean;
}

export interface ScanOptions {
  home: string;
  /** Drop to this user for git (the agent runs as root). */
  user?: GitUser;
  now?: () => number;
  /** Injectable for tests; default: gitFor. */
  git?: (repo: string) => Promise<GitRunner>;
  /** agent.json says ~/workspace is a volume: leave it out while it is mounted. */
  workspaceOnVolume?: boolean;
  /** Injectable for tests; default: isMountPoint. */
  mountPoint?: (dir: string) => Promise<boolean>;
}

/**
 * A directory (not a symlink to one) on another filesystem than its parent: something is mounted
 * there. Anything it cannot tell answers false, so the workspace is then scanned.
 */
export async function isMountPoint(dir: string): Promise<boolean> {
  const [st, parent] = await Promise.all([
    fsp.lstat(dir).catch(() => undefined),
    fsp.lstat(path.dirname(dir)).catch(() => undefined),
  ]);
  return st !== undefined && parent !== undefined && st.isDirectory() && st.dev !== parent.dev;
}

export const hasUnsaved = (r: RepoUnsaved) =>
  r.error !== undefined || r.uncommitted + r.untracked + r.stashes + r.unpushed > 0;

/** One line per repository: "workspace/app: 2 uncommitted, 1 unpushed commit". */
export function describeRepo(r: RepoUnsaved): string {
  if (r.error) return `${r.path}: could not be checked (${r.error})`;
  const parts: string[] = [];
  const n = (k: number, one: string, many = `${one}s`) => k > 0 && parts.push(`${k} ${k === 1 ? one : many}`);
  n(r.uncommitted, "uncommitted change");
  n(r.untracked, "untracked file");
  n(r.stashes, "stash", "stashes");
  n(r.unpushed, "unpushed commit");
  return `${r.path}: ${parts.join(", ")}`;
}

async function isRepo(dir: string): Promise<boolean> {
  // A .git directory or a .git file (worktrees, submodules); a symlink named .git is not followed.
  const st = await fsp.lstat(path.join(dir, ".git")).catch(() => undefined);
  return st !== undefined && (st.isDirectory() || st.isFile());
}

/**
 * Repositories under `root` down to MAX_DEPTH levels (the documented rule, not a failure), breadth
 * first, into repositories too (submodules, nested clones); `complete` is false when the count of
 * directories or repositories ran out first.
 */
export async function findRepos(root: string) {
  const repos: string[] = [];
  let dirs = 0;
  let level = [root];
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      if (++dirs > MAX_DIRS || repos.length >= MAX_REPOS) return { repos, complete: false };
      if (await isRepo(dir)) repos.push(dir);
      const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) if (e.isDirectory() && !SKIP.has(e.name)) next.push(path.join(dir, e.name));
    }
    level = next;
  }
  return { repos, complete: true };
}

const lines = (s: string) => s.split("\n").filter((l) => l !== "");

/** The four questions for one repository, plumbing only (see unsaved-git.ts). */
export async function checkRepo(git: GitRunner, rel: string): Promise<RepoUnsaved> {
  const head = await git(["rev-parse", "-q", "--verify", "HEAD"]).catch(() => "");
  const branch = (await git(["symbolic-ref", "-q", "--short", "HEAD"]).catch(() => "")).trim() || null;
  // Against HEAD when there is one; a repository without commits has everything in the index staged.
  const staged = head
    ? lines(
        await git([
          "diff-index",
          "--cached",
          "--name-only",
          "--no-ext-diff",
          "--ignore-submodules=all",
          "HEAD",
        ]),
      )
    : lines(await git(["ls-files", "--cached"]));
  const changed = lines(await git(["diff-files", "--name-only", "--no-ext-diff", "--ignore-submodules=all"]));
  const untracked = lines(
    await git(["ls-files", "--others", "--exclude-standard", "--directory", "--no-empty-directory"]),
  );
  const stashRef = await git(["rev-parse", "-q", "--verify", "refs/stash"]).catch(() => "");
  const stashes = stashRef ? lines(await git(["reflog", "show", "--format=%H", "refs/stash"])).length : 0;
  const tips = head ? ["HEAD", "--branches"] : ["--branches"];
  const hasBranches = head || lines(await git(["for-each-ref", "--count=1", "refs/heads"])).length > 0;
  const unpushed = hasBranches
    ? lines(await git(["rev-list", "--max-count=1000", ...tips, "--not", "--remotes"]))
    : [];
  const commits =
    unpushed.length > 0
      ? lines(await git(["log", "--no-walk", "--format=%h %s", ...unpushed.slice(0, SAMPLE)]))
      : [];
  const files = [...new Set([...staged, ...changed])];
  return {
    path: rel,
    branch,
    uncommitted: files.length,
    untracked: untracked.length,
    stashes,
    unpushed: unpushed.length,
    sample: [...files, ...untracked.map((f) => `?? ${f}`), ...commits].slice(0, SAMPLE),
  };
}

export async function scanUnsaved(o: ScanOptions): Promise<UnsavedReport> {
  const now = o.now ?? Date.now;
  const git = o.git ?? ((repo: string) => gitFor(repo, o.user, o.home));
  const workspace = path.join(o.home, WORKSPACE_DIR);
  const onVolume = o.workspaceOnVolume === true && (await (o.mountPoint ?? isMountPoint)(workspace));
  const found = onVolume ? { repos: [], complete: true } : await findRepos(workspace);
  const dotfiles = path.join(o.home, DOTFILES_DIR);
  const all = (await isRepo(dotfiles)) ? [...found.repos, dotfiles] : found.repos;
  const repos: RepoUnsaved[] = [];
  for (const repo of all) {
    const rel = path.relative(o.home, repo);
    const r = await git(repo)
      .then((run) => checkRepo(run, rel))
      .catch(
        (err: Error): RepoUnsaved => ({
          path: rel,
          branch: null,
          uncommitted: 0,
          untracked: 0,
          stashes: 0,
          unpushed: 0,
          sample: [],
          error: err.message.split("\n")[0]?.slice(0, 300) ?? "git failed",
        }),
      );
    if (hasUnsaved(r)) repos.push(r);
  }
  return {
    checked_at: new Date(now()).toISOString(),
    complete: found.complete,
    repos,
    checked: all.length,
    ...(onVolume ? { workspace_on_volume: true } : {}),
  };
}
