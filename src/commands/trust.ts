/**
 * `spuff trust [PATH]`: approve the project file of PATH (a directory, searched upward like `up`,
 * or the file itself) after showing what it will do; and the one check `up` makes before it
 * creates anything (ask on a terminal, refuse without one).
 */
import fs from "node:fs";
import path from "node:path";
import type { Deps } from "../cli/deps.ts";
import { ConfigError } from "../core/errors.ts";
import { printJson } from "../core/io.ts";
import { findProjectFile, loadProject, type Project } from "../project/load.ts";
import { approve, ensureTrusted, projectSummary, renderSummary } from "../project/trust.ts";

function projectFileAt(target: string): string {
  const abs = path.resolve(target);
  const isFile = fs.existsSync(abs) && fs.statSync(abs).isFile();
  const file = isFile ? abs : findProjectFile(abs);
  if (!file) {
    throw new ConfigError("project_not_found", `No spuff.yaml in ${abs} or any parent directory.`, {
      hint: "Run spuff trust in the project's directory, or pass its path: spuff trust PATH",
    });
  }
  return file;
}

export async function runTrust(deps: Deps, target: string | undefined): Promise<void> {
  const project = loadProject(projectFileAt(target ?? process.cwd()), deps.env);
  approve(deps.paths.trustedProjects, project, deps.clock.now());
  if (deps.json) {
    printJson(deps.io, { approved: true, ...projectSummary(project) });
    return;
  }
  deps.io.err.write(renderSummary(project));
  deps.io.out.write(
    `Approved ${project.file} (sha256 ${project.digest.slice(0, 16)}…); a change needs approval again.\n`,
  );
}

/** `up`'s check: approved content passes; on a terminal the user is shown the file and asked. */
export async function ensureProjectTrusted(deps: Deps, project: Project | undefined): Promise<void> {
  if (!project) return;
  const canAsk = !deps.json && deps.io.stdinIsTTY && deps.io.stderrIsTTY;
  await ensureTrusted(project, {
    trustFile: deps.paths.trustedProjects,
    now: deps.clock.now(),
    ...(canAsk
      ? {
          ask: async (summary: string) => {
            deps.io.err.write(summary);
            const p = await import("@clack/prompts");
            return (
              (await p.confirm({ message: "Approve this project file and run it?", initialValue: false })) ===
              true
            );
          },
        }
      : {}),
  });
}
