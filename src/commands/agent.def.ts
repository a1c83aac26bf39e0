/** `spuff agent …`: definitions (the command is in agent.ts, loaded only when run). */
import type { CommandDef, FlagDef } from "../cli/command-def.ts";

const ENDPOINTS = ["status", "metrics", "processes", "logs"] as const;

function endpointCommand(endpoint: (typeof ENDPOINTS)[number]): CommandDef {
  const flags: FlagDef[] =
    endpoint === "logs"
      ? [{ flags: "-n, --lines <n>", description: "how many lines (1–10000)", default: "100" }]
      : [];
  return {
    name: endpoint,
    description: `GET /${endpoint}`,
    args: [{ name: "name", description: "instance name (default: the only one)", complete: "instances" }],
    flags,
    json: "print the agent's answer as JSON",
    examples: [`spuff agent ${endpoint} box --json`],
    async run(deps, { args: [name], opts }) {
      const { runAgent } = await import("./agent.ts");
      await runAgent(deps, endpoint, name as string | undefined, opts as { lines?: string });
    },
  };
}

export const agentCommand: CommandDef = {
  name: "agent",
  description: "the instance's spuff-agent endpoints, raw (through the pinned tunnel, with the token)",
  examples: ["spuff agent status box", "spuff agent logs box -n 20"],
  subcommands: ENDPOINTS.map(endpointCommand),
};
