/** `spuff local …`: definitions (the commands are in local.ts, loaded only when run). */
import type { CommandDef } from "../cli/command-def.ts";

export const localCommand: CommandDef = {
  name: "local",
  description: "the real machines behind the local provider",
  examples: ["spuff local list", "spuff local gc"],
  subcommands: [
    {
      name: "list",
      aliases: ["ls"],
      description: "list local machines (running or left by an interrupted command)",
      json: true,
      examples: ["spuff local list --json"],
      async run(deps) {
        const { runLocalList } = await import("./local.ts");
        await runLocalList(deps);
      },
    },
    {
      name: "destroy",
      description: "stop machines and remove everything they had",
      args: [
        {
          name: "id",
          required: true,
          variadic: true,
          description: "machine ids, from `spuff local list`",
          complete: "machines",
        },
      ],
      json: "print the result as JSON",
      examples: ["spuff local destroy m-1a2b3c4d5e"],
      async run(deps, { args: [ids] }) {
        const { runLocalDestroy } = await import("./local.ts");
        await runLocalDestroy(deps, ids as string[]);
      },
    },
    {
      name: "gc",
      description: "clean what interrupted or stopped machines left (processes, mounts, namespaces)",
      json: "print what was cleaned as JSON",
      examples: ["spuff local gc --json"],
      async run(deps) {
        const { runLocalGc } = await import("./local.ts");
        await runLocalGc(deps);
      },
    },
  ],
};
