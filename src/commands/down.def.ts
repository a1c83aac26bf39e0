/** `spuff down`: definition (the command itself is in down.ts, loaded only when run). */
import type { CommandDef } from "../cli/command-def.ts";

export const downCommand: CommandDef = {
  name: "down",
  description: "destroy an instance, wait until the provider reports it gone, and forget it locally",
  args: [{ name: "name", description: "instance name (default: the only one)", complete: "instances" }],
  flags: [
    { flags: "--snapshot", description: "snapshot it first (down stops if the snapshot fails)" },
    {
      flags: "--delete-volume",
      description: "also delete its workspace volume and the data on it (asks; no terminal: with --yes)",
    },
    { flags: "-y, --yes", description: "do not ask for confirmation" },
    {
      flags: "--discard-unsaved",
      description: "destroy even with uncommitted, unpushed or stashed work on the machine (lost)",
    },
    {
      flags: "--force",
      description: "do not ask, and forget the local record even if the provider call fails",
    },
  ],
  json: "print the result as JSON",
  examples: ["spuff down box", "spuff down box --snapshot --yes", "spuff down box --yes --discard-unsaved"],
  async run(deps, { args: [name], opts }) {
    const { runDown } = await import("./down.ts");
    await runDown(deps, name as string | undefined, opts);
  },
};
