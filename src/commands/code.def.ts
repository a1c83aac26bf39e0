/** `spuff code`: definition (the command is in code.ts, loaded only when run). */
import type { CommandDef } from "../cli/command-def.ts";

export const codeCommand: CommandDef = {
  name: "code",
  description: "open VS Code (or Cursor, …) on the instance's ~/workspace over Remote-SSH",
  args: [{ name: "name", description: "instance name (default: the only one)", complete: "instances" }],
  flags: [
    {
      flags: "--ide <cli>",
      description: "the IDE's command-line tool (code, cursor, code-insiders, …)",
      default: "code",
    },
    { flags: "-y, --yes", description: "add the ssh_config Include to ~/.ssh/config without asking" },
  ],
  examples: ["spuff code", "spuff code box --ide cursor"],
  async run(deps, { args: [name], opts }) {
    const { runCode } = await import("./code.ts");
    await runCode(deps, name as string | undefined, opts as { ide?: string; yes?: boolean });
  },
};
