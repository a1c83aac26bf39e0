/** `spuff cost`: definition (the command itself is in cost.ts, loaded only when run). */
import type { CommandDef } from "../cli/command-def.ts";

export const costCommand: CommandDef = {
  name: "cost",
  description:
    "what spuff owns at each configured provider now (instances, snapshots, …): rate, cost since created, month to date",
  json: true,
  examples: ["spuff cost", "spuff cost --json"],
  async run(deps) {
    const { runCost } = await import("./cost.ts");
    await runCost(deps);
  },
};
