/** `spuff prebuild …`: definitions (the commands are in prebuild.ts and prebuild-list.ts, loaded only when run). */
import { type CommandDef, PROVIDER_FLAG } from "../cli/command-def.ts";
import type { runPrebuildGc, runPrebuildList, runPrebuildRm } from "./prebuild-list.ts";

export const prebuildCommand: CommandDef = {
  name: "prebuild",
  description: "bake this project's environment into a snapshot that `spuff up` boots",
  examples: ["spuff prebuild", "spuff prebuild list", "spuff prebuild gc --keep 2"],
  subcommands: [
    {
      name: "create",
      isDefault: true,
      description:
        "bring up a machine with the bundles, packages and prebuild: steps, scrub its secrets, snapshot it, destroy it",
      flags: [PROVIDER_FLAG],
      json: "print phase events and the result as NDJSON",
      examples: ["spuff prebuild create", "spuff prebuild --provider digitalocean"],
      async run(deps, { opts }) {
        const { runPrebuild } = await import("./prebuild.ts");
        await runPrebuild(deps, opts as Parameters<typeof runPrebuild>[1]);
      },
    },
    {
      name: "list",
      aliases: ["ls"],
      description: "list the prebuilds at the provider with their size",
      flags: [PROVIDER_FLAG],
      json: true,
      examples: ["spuff prebuild list --json"],
      async run(deps, { opts }) {
        const { runPrebuildList } = await import("./prebuild-list.ts");
        await runPrebuildList(deps, opts as Parameters<typeof runPrebuildList>[1]);
      },
    },
    {
      name: "rm",
      description: "remove prebuilds (by id or name; nothing is removed if one is not a prebuild)",
      args: [
        {
          name: "ids",
          required: true,
          variadic: true,
          description: "ids or names from `spuff prebuild list`",
        },
      ],
      flags: [PROVIDER_FLAG],
      json: "print the result as JSON",
      examples: ["spuff prebuild rm spuff-pb-app-0123456789abcdef"],
      async run(deps, { args: [ids], opts }) {
        const { runPrebuildRm } = await import("./prebuild-list.ts");
        await runPrebuildRm(deps, ids as string[], opts as Parameters<typeof runPrebuildRm>[2]);
      },
    },
    {
      name: "gc",
      description:
        "remove prebuilds superseded by a newer one of the same project (keeps prebuild.keep, default 1)",
      flags: [
        PROVIDER_FLAG,
        { flags: "--keep <n>", description: "prebuilds kept per project (default: prebuild.keep)" },
      ],
      json: "print the result as JSON",
      examples: ["spuff prebuild gc", "spuff prebuild gc --keep 2 --json"],
      async run(deps, { opts }) {
        const { runPrebuildGc } = await import("./prebuild-list.ts");
        await runPrebuildGc(deps, opts as Parameters<typeof runPrebuildGc>[1]);
      },
    },
  ],
};
