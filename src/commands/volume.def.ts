/** `spuff volume …`: definitions (the commands are in volume.ts, loaded only when run). */
import { type CommandDef, PROVIDER_FLAG } from "../cli/command-def.ts";
import type { runVolumeList, runVolumeResize, runVolumeRm } from "./volume.ts";

export const volumeCommand: CommandDef = {
  name: "volume",
  description: "manage workspace volumes (kept across machines; see up --volume)",
  examples: ["spuff volume list", "spuff volume resize work 40", "spuff volume rm work"],
  subcommands: [
    {
      name: "list",
      aliases: ["ls"],
      description: "list spuff's volumes at the provider, with their monthly price",
      flags: [PROVIDER_FLAG],
      json: true,
      examples: ["spuff volume list --json"],
      async run(deps, { opts }) {
        const { runVolumeList } = await import("./volume.ts");
        await runVolumeList(deps, opts as Parameters<typeof runVolumeList>[1]);
      },
    },
    {
      name: "resize",
      description: "grow a volume; the filesystem grows on its next mount (next up --volume)",
      args: [
        { name: "name", required: true, description: "volume name" },
        { name: "gb", required: true, description: "new size in GB (larger than now)" },
      ],
      flags: [PROVIDER_FLAG],
      json: "print the volume as JSON",
      examples: ["spuff volume resize work 40"],
      async run(deps, { args: [name, gb], opts }) {
        const { runVolumeResize } = await import("./volume.ts");
        await runVolumeResize(
          deps,
          name as string,
          gb as string,
          opts as Parameters<typeof runVolumeResize>[3],
        );
      },
    },
    {
      name: "rm",
      aliases: ["delete"],
      description: "delete a detached volume and the data on it (asks; no terminal: --yes)",
      args: [{ name: "name", required: true, description: "volume name" }],
      flags: [PROVIDER_FLAG, { flags: "-y, --yes", description: "do not ask for confirmation" }],
      json: "print the result as JSON",
      examples: ["spuff volume rm work --yes"],
      async run(deps, { args: [name], opts }) {
        const { runVolumeRm } = await import("./volume.ts");
        await runVolumeRm(deps, name as string, opts as Parameters<typeof runVolumeRm>[2]);
      },
    },
  ],
};
