/** `spuff ssh-config [show]` and `spuff ssh-config install`. */
import path from "node:path";
import type { Deps } from "../cli/deps.ts";
import { UsageError } from "../core/errors.ts";
import { printJson } from "../core/io.ts";
import { applyInclude, planInclude } from "../ssh/include-line.ts";
import { hostAlias, renderSshConfig } from "../ssh/ssh-config.ts";
import { hostEntries, syncSshFiles } from "../ssh/sync-files.ts";

async function currentEntries(deps: Deps) {
  const [settings, store] = await Promise.all([deps.settings(), deps.state()]);
  return hostEntries(store.list(), {
    identityFile: settings.sshKeyPath,
    forwardAgent: settings.forwardAgent,
  });
}

export async function runSshConfigShow(deps: Deps): Promise<void> {
  const entries = await currentEntries(deps);
  syncSshFiles(deps.paths, entries);
  if (deps.json) {
    printJson(deps.io, { file: deps.paths.sshConfig, known_hosts: deps.paths.knownHosts, hosts: entries });
    return;
  }
  deps.io.out.write(renderSshConfig(entries, deps.paths.knownHosts));
}

export async function runSshConfigInstall(deps: Deps, opts: { yes?: boolean }): Promise<void> {
  const entries = await currentEntries(deps);
  syncSshFiles(deps.paths, entries);
  // A real Host to try (the first instance's), not a placeholder.
  const entriesHint = entries[0] ? hostAlias(entries[0].name) : "spuff-<name> (after spuff up)";
  const userConfig = path.join(deps.env.HOME || "~", ".ssh", "config");
  const plan = planInclude(userConfig, deps.paths.sshConfig);
  if (plan.alreadyInstalled) {
    if (deps.json) printJson(deps.io, { file: userConfig, changed: false });
    else deps.io.err.write(`${userConfig} already includes ${deps.paths.sshConfig}; nothing to do.\n`);
    return;
  }
  deps.io.err.write(
    `This adds to the top of ${userConfig}:\n+ # Added by spuff (spuff ssh-config install)\n+ ${plan.line}\n`,
  );
  if (!opts.yes) {
    if (!deps.io.stdinIsTTY)
      throw new UsageError("Not changing ~/.ssh/config without confirmation", { hint: "Re-run with --yes." });
    const p = await import("@clack/prompts");
    const ok = await p.confirm({ message: `Change ${userConfig}?` });
    if (ok !== true) {
      deps.io.err.write("Nothing changed.\n");
      return;
    }
  }
  const backup = applyInclude(plan, new Date(deps.clock.now()));
  if (deps.json) printJson(deps.io, { file: userConfig, changed: true, backup: backup ?? null });
  else
    deps.io.err.write(
      `Updated ${userConfig}${backup ? ` (backup: ${backup})` : ""}. Try: ssh ${entriesHint}\n`,
    );
}
