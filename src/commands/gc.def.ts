/** `spuff gc`: definition (the command itself is in gc.ts, loaded only when run). */
import { type CommandDef, PROVIDER_FLAG } from "../cli/command-def.ts";
import type { runGc } from "./gc.ts";

export const gcCommand: CommandDef = {
  name: "gc",
  description:
    "find and remove what spuff left behind: untracked tagged instances, dead records, powered-off and expired instances",
  flags: [
    { ...PROVIDER_FLAG, description: "only this provider" },
    { flags: "--dry-run", description: "only list what would be removed" },
    {
      flags: "--volumes",
      description: "also delete tagged volumes unknown to state (their data goes; asks)",
    },
    { flags: "-y, --yes", description: "do not ask for confirmation (required without a terminal)" },
    {
      flags: "--discard-unsaved",
      description: "also remove live instances holding uncommitted, unpushed or stashed work (lost)",
    },
  ],
  json: "print what was found and done as JSON",
  examples: ["spuff gc --dry-run", "spuff gc --provider hetzner --yes --json"],
  async run(deps, { opts }) {
    const { runGc } = await import("./gc.ts");
    await runGc(deps, opts as Parameters<typeof runGc>[1]);
  },
};
