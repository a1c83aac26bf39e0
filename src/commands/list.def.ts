/** `spuff list`: definition (the command itself is in list.ts, loaded only when run). */
import type { CommandDef } from "../cli/command-def.ts";

export const listCommand: CommandDef = {
  name: "list",
  aliases: ["ls"],
  description: "list the instances spuff knows about",
  flags: [
    { flags: "--live", description: "also ask each provider: status at the provider and hourly price" },
  ],
  json: true,
  examples: ["spuff list", "spuff list --live --json"],
  async run(deps, { opts }) {
    const { runList } = await import("./list.ts");
    await runList(deps, opts);
  },
};
