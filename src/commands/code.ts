/**
 * `spuff code [NAME] [--ide code|cursor|…]`: a Remote-SSH window on the instance's ~/workspace,
 * through spuff's managed ssh_config entry (so the IDE uses the pinned host key), i.e.
 * `code --remote ssh-remote+<alias> /home/<user>/workspace`.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Deps } from "../cli/deps.ts";
import { CancelledError, UsageError, UserError } from "../core/errors.ts";
import { applyInclude, planInclude } from "../ssh/include-line.ts";
import { hostAlias } from "../ssh/ssh-config.ts";
import { hostEntries, syncSshFiles } from "../ssh/sync-files.ts";
import { resolveInstance } from "./resolve-instance.ts";

// A command name looked up on PATH, never a path or anything a shell would read.
const IDE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

/** The IDE's CLI on PATH, or undefined. */
export function findOnPath(cmd: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, cmd);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The IDE's arguments: a Remote-SSH window on the folder (VS Code's documented `--remote` form). */
export function ideArgs(alias: string, user: string): string[] {
  return ["--remote", `ssh-remote+${alias}`, `/home/${user}/workspace`];
}

async function ensureInclude(deps: Deps, yes: boolean): Promise<void> {
  const userConfig = path.join(deps.env.HOME || "~", ".ssh", "config");
  const plan = planInclude(userConfig, deps.paths.sshConfig);
  if (plan.alreadyInstalled) return;
  const why = `The IDE reaches the instance through spuff's ssh_config, which ${userConfig} does not include yet.`;
  if (!yes) {
    if (!deps.io.stdinIsTTY || deps.json)
      throw new UsageError(why, { hint: "Run `spuff ssh-config install` once (or pass --yes)." });
    const p = await import("@clack/prompts");
    const ok = await p.confirm({ message: `${why} Add "${plan.line}" to the top of it?` });
    if (ok !== true)
      // Declined: the project's code for a declined confirmation (130), as `down` does.
      throw new CancelledError("Not opening the IDE without the ssh_config Include.", {
        hint: "Run `spuff ssh-config install` when you are ready.",
      });
  }
  const backup = applyInclude(plan, new Date(deps.clock.now()));
  deps.io.err.write(`Updated ${userConfig}${backup ? ` (backup: ${backup})` : ""}.\n`);
}

export async function runCode(deps: Deps, name: string | undefined, opts: { ide?: string; yes?: boolean }) {
  const ide = opts.ide ?? "code";
  if (!IDE_NAME.test(ide))
    throw new UsageError(`--ide takes a command name such as code or cursor, not ${JSON.stringify(ide)}.`);
  const bin = findOnPath(ide, deps.env.PATH);
  if (!bin)
    throw new UserError("ide_not_found", `The IDE's command-line tool \`${ide}\` is not on PATH.`, {
      hint:
        ide === "code"
          ? "Install VS Code and its Remote - SSH extension, then in VS Code run “Shell Command: Install 'code' command in PATH”; or pass --ide cursor."
          : `Install ${ide}'s command-line tool (its Command Palette has a “Shell Command” entry), or pass --ide code.`,
    });
  const rec = await resolveInstance(deps, name);
  const settings = await deps.settings();
  const store = await deps.state();
  const entries = hostEntries(store.list(), {
    identityFile: settings.sshKeyPath,
    forwardAgent: settings.forwardAgent,
  });
  if (!entries.some((e) => e.name === rec.name))
    throw new UserError("no_ssh_entry", `${rec.name} has no ssh_config entry (no address or host key yet).`, {
      hint: `Check it with \`spuff status ${rec.name}\`; \`spuff ssh ${rec.name}\` still works when it is ready.`,
    });
  syncSshFiles(deps.paths, entries);
  await ensureInclude(deps, opts.yes === true);
  const args = ideArgs(hostAlias(rec.name), rec.sshUser);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(bin, args, { stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (c, sig) => resolve(c ?? (sig ? 128 : 1)));
  });
  if (code !== 0) throw new UserError("ide_failed", `${ide} ${args.join(" ")} exited with ${code}.`);
  deps.io.err.write(`Opened ${ide} on ${hostAlias(rec.name)}:/home/${rec.sshUser}/workspace\n`);
}
