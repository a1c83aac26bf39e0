/** The unsaved-work scanner against real git repositories in a temporary home. */
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultSettings } from "./config.ts";
import { describeRepo, findRepos, isMountPoint, scanUnsaved } from "./unsaved.ts";
import { filterNames } from "./unsaved-git.ts";
import { unsavedScans } from "./unsaved-guard.ts";

const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), "spuff-unsaved-")));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh home with ~/workspace, and a bare "remote" outside it. */
function home() {
  const h = path.join(root, `home${++n}`);
  mkdirSync(path.join(h, "workspace"), { recursive: true });
  return h;
}

const env = { PATH: "/usr/bin:/bin", HOME: root, GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };
function git(cwd: string, ...args: string[]) {
  return execFileSync(
    "git",
    ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...args],
    {
      cwd,
      env,
      encoding: "utf8",
    },
  );
}

/** A repository cloned from a bare remote with one pushed commit: nothing unsaved. */
function pushedClone(h: string, name: string) {
  const remote = path.join(h, `${name}.git`);
  git(h, "init", "-q", "--bare", remote);
  const repo = path.join(h, "workspace", name);
  git(h, "clone", "-q", remote, repo);
  writeFileSync(path.join(repo, "README"), "hello\n");
  writeFileSync(path.join(repo, ".gitignore"), "*.log\n");
  git(repo, "add", ".");
  git(repo, "commit", "-qm", "first");
  git(repo, "push", "-q", "origin", "HEAD");
  return repo;
}

describe("scanUnsaved", () => {
  it("reports nothing for pushed, committed clones (and ignores ignored files)", async () => {
    const h = home();
    const repo = pushedClone(h, "app");
    writeFileSync(path.join(repo, "debug.log"), "ignored\n");
    const r = await scanUnsaved({ home: h });
    expect(r).toMatchObject({ complete: true, checked: 1, repos: [] });
  });

  it("finds uncommitted, untracked, stashed and unpushed work, per repository", async () => {
    const h = home();
    const a = pushedClone(h, "a");
    writeFileSync(path.join(a, "README"), "changed\n");
    writeFileSync(path.join(a, "new.txt"), "new\n");
    const b = pushedClone(h, "nested/b");
    writeFileSync(path.join(b, "README"), "stashed\n");
    git(b, "stash", "-q");
    writeFileSync(path.join(b, "c.txt"), "c\n");
    git(b, "add", "c.txt");
    git(b, "commit", "-qm", "local only");
    git(b, "checkout", "-qb", "feature");
    writeFileSync(path.join(b, "d.txt"), "d\n");
    git(b, "add", "d.txt");
    git(b, "commit", "-qm", "feature work");
    const r = await scanUnsaved({ home: h, now: () => 0 });
    expect(r.checked).toBe(2);
    expect(r.checked_at).toBe("1970-01-01T00:00:00.000Z");
    const byPath = Object.fromEntries(r.repos.map((x) => [x.path, x]));
    expect(byPath["workspace/a"]).toMatchObject({
      uncommitted: 1,
      untracked: 1,
      stashes: 0,
      unpushed: 0,
      branch: "main",
    });
    expect(byPath["workspace/a"]?.sample).toEqual(["README", "?? new.txt"]);
    expect(byPath["workspace/nested/b"]).toMatchObject({
      uncommitted: 0,
      untracked: 0,
      stashes: 1,
      unpushed: 2,
      branch: "feature",
    });
    expect(byPath["workspace/nested/b"]?.sample.join("\n")).toMatch(/local only/);
    expect(describeRepo(byPath["workspace/a"]!)).toBe("workspace/a: 1 uncommitted change, 1 untracked file");
    expect(describeRepo(byPath["workspace/nested/b"]!)).toBe(
      "workspace/nested/b: 1 stash, 2 unpushed commits",
    );
  });

  it("counts a staged file and commits in a repository with no remote, and the dotfiles checkout", async () => {
    const h = home();
    const local = path.join(h, "workspace", "scratch");
    mkdirSync(local);
    git(local, "init", "-q");
    writeFileSync(path.join(local, "x"), "x\n");
    git(local, "add", "x");
    const r1 = await scanUnsaved({ home: h });
    expect(r1.repos).toMatchObject([
      { path: "workspace/scratch", uncommitted: 1, unpushed: 0, branch: "main" },
    ]);
    git(local, "commit", "-qm", "one");
    const dot = path.join(h, ".dotfiles");
    mkdirSync(dot);
    git(dot, "init", "-q");
    writeFileSync(path.join(dot, "bashrc"), "x\n");
    const r2 = await scanUnsaved({ home: h });
    expect(r2.repos).toMatchObject([
      { path: "workspace/scratch", uncommitted: 0, unpushed: 1 },
      { path: ".dotfiles", untracked: 1 },
    ]);
  });

  it("workspace on a volume: ~/workspace is left out while mounted, ~/.dotfiles is still checked", async () => {
    const h = home();
    const local = path.join(h, "workspace", "scratch");
    mkdirSync(local);
    git(local, "init", "-q");
    writeFileSync(path.join(local, "x"), "x\n");
    const dot = path.join(h, ".dotfiles");
    mkdirSync(dot);
    git(dot, "init", "-q");
    writeFileSync(path.join(dot, "bashrc"), "x\n");
    const asked: string[] = [];
    const mounted = async (dir: string) => {
      asked.push(dir);
      return true;
    };
    const onVolume = await scanUnsaved({ home: h, workspaceOnVolume: true, mountPoint: mounted });
    expect(asked).toEqual([path.join(h, "workspace")]);
    expect(onVolume).toMatchObject({ workspace_on_volume: true, checked: 1, repos: [{ path: ".dotfiles" }] });
    expect(onVolume.repos).toHaveLength(1);
    // The volume did not mount (fstab nofail): the work is on the machine's disk, and guarded.
    const unmounted = await scanUnsaved({ home: h, workspaceOnVolume: true, mountPoint: async () => false });
    expect(unmounted.workspace_on_volume).toBeUndefined();
    expect(unmounted.repos.map((r) => r.path)).toEqual(["workspace/scratch", ".dotfiles"]);
    // Mounted but agent.json did not say so (or was not believed): scanned as ever.
    const notSaid = await scanUnsaved({ home: h, mountPoint: mounted });
    expect(notSaid.repos.map((r) => r.path)).toEqual(["workspace/scratch", ".dotfiles"]);
    // The agent's wiring: the idle guard's scan leaves it out, GET /unsaved's (what `down
    // --delete-volume` asks before the volume goes) never does.
    const scanFor = (workspaceOnVolume: boolean) => () =>
      scanUnsaved({ home: h, workspaceOnVolume, mountPoint: mounted });
    const onVol = unsavedScans(scanFor, { ...defaultSettings(0), workspace_on_volume: true });
    expect((await onVol.guard()).repos.map((r) => r.path)).toEqual([".dotfiles"]);
    expect((await onVol.report()).repos.map((r) => r.path)).toEqual(["workspace/scratch", ".dotfiles"]);
    const plain = unsavedScans(scanFor, defaultSettings(0));
    expect((await plain.guard()).repos.map((r) => r.path)).toEqual(["workspace/scratch", ".dotfiles"]);
    // The real check (no stub): the workspace of a temporary home is on the home's filesystem.
    const real = await scanUnsaved({ home: h, workspaceOnVolume: true });
    expect(real.repos.map((r) => r.path)).toEqual(["workspace/scratch", ".dotfiles"]);
  });

  it("isMountPoint: another filesystem than the parent's, never through a symlink", async () => {
    const h = home();
    expect(await isMountPoint(path.join(h, "workspace"))).toBe(false);
    expect(await isMountPoint(path.join(h, "missing"))).toBe(false);
    // /proc is always its own filesystem on Linux; a symlink to it is not a mount point.
    expect(await isMountPoint("/proc")).toBe(true);
    symlinkSync("/proc", path.join(h, "proc-link"));
    expect(await isMountPoint(path.join(h, "proc-link"))).toBe(false);
  });

  it("does not follow symlinks out of the workspace, and a broken repository counts as unsaved", async () => {
    const h = home();
    const outside = path.join(h, "elsewhere");
    mkdirSync(outside);
    git(outside, "init", "-q");
    writeFileSync(path.join(outside, "secret"), "x\n");
    symlinkSync(outside, path.join(h, "workspace", "link"));
    const broken = path.join(h, "workspace", "broken");
    mkdirSync(path.join(broken, ".git"), { recursive: true });
    writeFileSync(path.join(broken, ".git", "HEAD"), "garbage\n");
    const r = await scanUnsaved({ home: h });
    expect(r.checked).toBe(1);
    expect(r.repos).toHaveLength(1);
    expect(r.repos[0]?.path).toBe("workspace/broken");
    expect(r.repos[0]?.error).toBeTruthy();
  });

  it("stops at its bounds and says the scan is incomplete", async () => {
    const h = home();
    for (let i = 0; i < 52; i++) mkdirSync(path.join(h, "workspace", `r${i}`, ".git"), { recursive: true });
    const found = await findRepos(path.join(h, "workspace"));
    expect(found.complete).toBe(false);
    expect(found.repos.length).toBe(50);
  });
});

describe("a hostile repository cannot make the scanner run a command", () => {
  it("core.fsmonitor, filter clean/process (racy file), hooksPath: none runs", async () => {
    const h = home();
    const repo = pushedClone(h, "evil");
    const marker = path.join(root, `pwned-${n}`);
    const cmd = `touch ${marker}; cat`;
    writeFileSync(path.join(repo, ".gitattributes"), "* filter=evil\n");
    git(repo, "add", ".gitattributes");
    git(repo, "commit", "-qm", "attrs");
    git(repo, "push", "-q", "origin", "HEAD");
    git(repo, "config", "core.fsmonitor", cmd);
    git(repo, "config", "filter.evil.clean", cmd);
    git(repo, "config", "filter.evil.process", cmd);
    git(repo, "config", "filter.evil.required", "true");
    mkdirSync(path.join(repo, "hooks"));
    writeFileSync(path.join(repo, "hooks", "post-index-change"), `#!/bin/sh\n${cmd}\n`, { mode: 0o755 });
    git(repo, "config", "core.hooksPath", "hooks");
    // Racy: the file changes within the index's timestamp, so git must hash it (through the filter).
    writeFileSync(path.join(repo, "README"), "hello\n");
    const r = await scanUnsaved({ home: h });
    expect(existsSync(marker), "the scanner ran the repository's command").toBe(false);
    // It still answers (hooks dir untracked), and the racy README is not lost from view.
    expect(r.repos[0]).toMatchObject({ path: "workspace/evil", untracked: 1 });
    expect(r.repos[0]?.error).toBeUndefined();
    // The same repository under plain git does run it: the test above can fail.
    spawnSync("git", ["status", "--porcelain"], { cwd: repo, env });
    expect(existsSync(marker)).toBe(true);
  });

  it("filterNames takes driver names from `git config -z --get-regexp` output", () => {
    expect(
      filterNames("filter.lfs.clean\ngit-lfs clean\0filter.a.b.process\nx\0filter.lfs.smudge\ny\0"),
    ).toEqual(["lfs", "a.b"]);
    expect(filterNames("")).toEqual([]);
  });
});
