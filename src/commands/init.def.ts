/** `spuff init`: definition (the command itself is in init.ts, loaded only when run). */
import { type CommandDef, PROVIDER_FLAG } from "../cli/command-def.ts";
import type { runInit } from "./init.ts";

export const initCommand: CommandDef = {
  name: "init",
  description:
    "create the config file, after checking the credential (interactive, or --defaults with flags)",
  flags: [
    { flags: "--defaults", description: "do not ask: use defaults and the flags given" },
    PROVIDER_FLAG,
    { flags: "--region <region>", description: "region / location" },
    { flags: "--size <size>", description: "instance size / type" },
    {
      flags: "--ssh-key <path>",
      description: "private key used to log in (its .pub is installed on the VM)",
    },
    { flags: "--idle-timeout <duration>", description: "destroy after this much inactivity, e.g. 30m" },
    { flags: "--token-stdin", description: "read the provider API token from standard input" },
    {
      flags: "--no-check",
      description: "save without checking the credential with the provider (offline set-up)",
    },
    { flags: "--force", description: "overwrite an existing config file" },
  ],
  json: "print the result as JSON",
  examples: ["spuff init", 'echo "$TOKEN" | spuff init --defaults --provider hetzner --token-stdin'],
  async run(deps, { opts }) {
    const { runInit } = await import("./init.ts");
    await runInit(deps, opts as Parameters<typeof runInit>[1]);
  },
};
