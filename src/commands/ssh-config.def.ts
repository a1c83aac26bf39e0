/** `spuff ssh-config …`: definitions (the commands are in ssh-config.ts, loaded only when run). */
import type { CommandDef } from "../cli/command-def.ts";

export const sshConfigCommand: CommandDef = {
  name: "ssh-config",
  description: "OpenSSH integration: `ssh spuff-NAME`, scp, rsync and VS Code use spuff's pinned host keys",
  examples: ["spuff ssh-config install", "ssh spuff-box"],
  subcommands: [
    {
      name: "show",
      isDefault: true,
      description: "print spuff's ssh_config (one Host block per instance)",
      json: true,
      examples: ["spuff ssh-config show"],
      async run(deps) {
        const { runSshConfigShow } = await import("./ssh-config.ts");
        await runSshConfigShow(deps);
      },
    },
    {
      name: "install",
      description: "add one Include line to ~/.ssh/config (shows the change, keeps a backup, idempotent)",
      flags: [{ flags: "-y, --yes", description: "do not ask for confirmation" }],
      json: "print the result as JSON",
      examples: ["spuff ssh-config install --yes"],
      async run(deps, { opts }) {
        const { runSshConfigInstall } = await import("./ssh-config.ts");
        await runSshConfigInstall(deps, opts);
      },
    },
  ],
};
