/** `spuff trust [PATH]`: definition (the command is in trust.ts, loaded only when run). */
import type { CommandDef } from "../cli/command-def.ts";

export const trustCommand: CommandDef = {
  name: "trust",
  description: "approve a project's spuff.yaml (+ spuff.secrets.yaml) after showing what it runs",
  args: [
    { name: "path", description: "the project directory (searched upward) or the file (default: here)" },
  ],
  json: "print what was approved as JSON",
  examples: ["spuff trust", "spuff trust ~/src/app --json"],
  async run(deps, { args }) {
    const { runTrust } = await import("./trust.ts");
    await runTrust(deps, args[0] as string | undefined);
  },
};
