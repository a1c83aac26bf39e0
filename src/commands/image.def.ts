/** `spuff image …`: definitions (the commands are in image.ts, loaded only when run). */
import type { CommandDef } from "../cli/command-def.ts";
import type { runImageBuild } from "./image.ts";

export const imageCommand: CommandDef = {
  name: "image",
  description: "local machine images (for the local provider)",
  examples: ["sudo spuff image build", "spuff image list"],
  subcommands: [
    {
      name: "build",
      description: "build a Debian image from Debian's packages (debootstrap; needs root)",
      flags: [
        { flags: "--distro <name>", description: "image to build", default: "debian-12" },
        {
          flags: "--mirror <url>",
          description: "Debian mirror (default http://deb.debian.org/debian, or $SPUFF_DEBIAN_MIRROR)",
        },
        { flags: "--force", description: "rebuild even if it exists (refused while machines use it)" },
      ],
      json: "print the image as JSON",
      examples: ["sudo spuff image build --mirror http://127.0.0.1:3142/debian"],
      async run(deps, { opts }) {
        const { runImageBuild } = await import("./image.ts");
        await runImageBuild(deps, opts as Parameters<typeof runImageBuild>[1]);
      },
    },
    {
      name: "list",
      aliases: ["ls"],
      description: "list built images and saved machine snapshots",
      json: true,
      examples: ["spuff image list --json"],
      async run(deps) {
        const { runImageList } = await import("./image.ts");
        await runImageList(deps);
      },
    },
    {
      name: "rm",
      description: "remove an image (refused while machines or snapshots use it)",
      args: [
        {
          name: "name",
          required: true,
          description: "image name, from `spuff image list`",
          complete: "images",
        },
      ],
      json: "print the result as JSON",
      examples: ["spuff image rm debian-12"],
      async run(deps, { args: [name] }) {
        const { runImageRm } = await import("./image.ts");
        await runImageRm(deps, name as string);
      },
    },
  ],
};
