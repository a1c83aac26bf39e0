/** `spuff ssh` and `spuff exec`: definitions (the commands are in ssh.ts, loaded only when run). */
import type { CommandDef } from "../cli/command-def.ts";

export const sshCommand: CommandDef = {
  name: "ssh",
  description: "open a shell on an instance (host key pinned, agent forwarded per config)",
  args: [{ name: "name", description: "instance name (default: the only one)", complete: "instances" }],
  examples: ["spuff ssh box"],
  async run(deps, { args: [name] }) {
    const { runSsh } = await import("./ssh.ts");
    await runSsh(deps, name as string | undefined);
  },
};

export const execCommand: CommandDef = {
  name: "exec",
  description: "run a command on an instance; its exit code becomes spuff's",
  usage: "[name] -- <command> [args...]",
  args: [
    {
      name: "args",
      variadic: true,
      description: "instance name, then -- and the command",
      complete: "instances",
    },
  ],
  json: "print stdout, stderr and the exit code as JSON",
  allowUnknownOption: true,
  examples: ["spuff exec box -- uname -a", "spuff exec --json -- ls -la /workspace"],
  async run(deps, { argv }) {
    // Split the raw argv at `--`: commander would otherwise read the command's own flags.
    const rest = argv.slice(argv.indexOf("exec") + 1);
    const dash = rest.indexOf("--");
    const before = (dash === -1 ? rest : rest.slice(0, dash)).filter((a) => a !== "--json");
    const command = dash === -1 ? [] : rest.slice(dash + 1);
    const { runExec } = await import("./ssh.ts");
    await runExec(deps, before, command);
  },
};
