/**
 * Approval of a project file before it runs anything (direnv's model): the user approves the exact
 * bytes of spuff.yaml (+ spuff.secrets.yaml), recorded by path and sha256 in the config dir (0600);
 * any change to either file needs approval again. `up` asks on a terminal after showing what the
 * file will do, refuses without one (before anything is created), and `spuff trust` approves.
 */

import fs from "node:fs";
import { ConfigError } from "../core/errors.ts";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import { visible } from "../core/visible.ts";
import type { Project } from "./load.ts";

interface Approval {
  sha256: string;
  approved_at: string;
}
interface TrustFile {
  version: 1;
  projects: Record<string, Approval>;
}

function readTrust(file: string): TrustFile {
  try {
    const v = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<TrustFile>;
    if (v && typeof v.projects === "object" && v.projects !== null)
      return { version: 1, projects: v.projects };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT" && !(err instanceof SyntaxError)) throw err;
  }
  // Missing or unreadable as JSON: nothing is approved (fails closed).
  return { version: 1, projects: {} };
}

export function isApproved(trustFile: string, p: Pick<Project, "file" | "digest">): boolean {
  return readTrust(trustFile).projects[p.file]?.sha256 === p.digest;
}

export function approve(trustFile: string, p: Pick<Project, "file" | "digest">, now: number): void {
  const t = readTrust(trustFile);
  t.projects[p.file] = { sha256: p.digest, approved_at: new Date(now).toISOString() };
  writeFileAtomic(trustFile, `${JSON.stringify(t, null, 2)}\n`, 0o600);
}

/** What the file will do, as data (`spuff trust --json`) and as lines for a terminal. */
export function projectSummary(p: Project) {
  return {
    file: p.file,
    sha256: p.digest,
    packages: p.packages,
    bundles: p.bundles,
    repositories: p.repositories.map((r) => ({
      url: r.url,
      path: r.path,
      ...(r.branch ? { branch: r.branch } : {}),
    })),
    setup: p.setup,
    prebuild: p.prebuild,
    hooks: {
      ...(p.hooks.postUp ? { post_up: p.hooks.postUp } : {}),
      ...(p.hooks.preDown ? { pre_down: p.hooks.preDown } : {}),
    },
    ports: p.ports,
    env_keys: Object.keys(p.env),
    reads_local_variables: p.reads,
  };
}

export function renderSummary(p: Project): string {
  const s = projectSummary(p);
  const lines = [`${visible(s.file)} will, on the new machine:`];
  const list = (label: string, items: readonly string[]) => {
    if (items.length > 0) lines.push(`  ${label}:`, ...items.map((x) => `    ${visible(x)}`));
  };
  list("install bundles", s.bundles);
  list("install packages (as root)", s.packages);
  list(
    "clone repositories (with your ssh-agent)",
    s.repositories.map((r) => `${r.url} → ~/workspace/${r.path}${r.branch ? ` (${r.branch})` : ""}`),
  );
  list("run prebuild steps (kept in a prebuild snapshot)", s.prebuild);
  list("run setup steps (with your ssh-agent)", s.setup);
  if (s.hooks.post_up) list("run after up (post_up)", [s.hooks.post_up]);
  if (s.hooks.pre_down) list("run before down (pre_down)", [s.hooks.pre_down]);
  list("forward ports", s.ports.map(String));
  list("set env", s.env_keys);
  list("read these local variables", s.reads_local_variables);
  if (lines.length === 1) lines.push("  (nothing: no packages, repositories, steps, hooks or ports)");
  return `${lines.join("\n")}\n`;
}

export interface TrustDeps {
  trustFile: string;
  now: number;
  /** Shows the summary and asks; undefined when nobody can be asked (no terminal, --json). */
  ask?: (summary: string) => Promise<boolean>;
}

/**
 * Passes when the exact content is approved, or the user approves it now; otherwise throws
 * project_untrusted (exit 3) with the command that approves it. Called before anything is created.
 */
export async function ensureTrusted(p: Project, d: TrustDeps): Promise<void> {
  if (isApproved(d.trustFile, p)) return;
  const hint = `Review it, then approve it: spuff trust ${p.root}`;
  if (!d.ask) {
    throw new ConfigError(
      "project_untrusted",
      `${p.file} has not been approved${wasApproved(d.trustFile, p) ? " since it changed" : ""}; it runs nothing until you approve it.`,
      { hint, details: { file: p.file, sha256: p.digest } },
    );
  }
  if (!(await d.ask(renderSummary(p)))) {
    throw new ConfigError("project_untrusted", `${p.file} was not approved; nothing was created.`, {
      hint,
      details: { file: p.file, sha256: p.digest },
    });
  }
  approve(d.trustFile, p, d.now);
}

const wasApproved = (trustFile: string, p: Pick<Project, "file">) => p.file in readTrust(trustFile).projects;
