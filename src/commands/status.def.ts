/** `spuff status`: definition (the command itself is in status.ts, loaded only when run). */
import type { CommandDef } from "../cli/command-def.ts";

export const statusCommand: CommandDef = {
  name: "status",
  description: "show one instance: local state, the provider's view (price) and its agent's report",
  args: [{ name: "name", description: "instance name", complete: "instances" }],
  flags: [
    { flags: "--local", description: "local state only: no provider or agent call" },
    { flags: "--detailed", description: "also the agent's metrics (CPU, memory, disk) and idle countdown" },
  ],
  json: true,
  examples: ["spuff status", "spuff status box --detailed", "spuff status box --local --json"],
  async run(deps, { args: [name], opts }) {
    const { runStatus } = await import("./status.ts");
    await runStatus(deps, name as string | undefined, opts);
  },
};
