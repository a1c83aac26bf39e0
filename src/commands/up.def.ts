/** `spuff up`: definition (the command itself is in up.ts, loaded only when run). */
import { type CommandDef, PROVIDER_FLAG } from "../cli/command-def.ts";
import type { runUp } from "./up.ts";

export const upCommand: CommandDef = {
  name: "up",
  description: "create an instance, wait until SSH and cloud-init are done, and connect",
  args: [{ name: "name", description: "instance name (default: spuff-<8 hex>)" }],
  flags: [
    PROVIDER_FLAG,
    { flags: "--region <region>", description: "region / location" },
    { flags: "--size <size>", description: "instance size / type" },
    { flags: "--image <image>", description: "image slug or id" },
    { flags: "--snapshot <id>", description: "start from a snapshot (spuff snapshot list)" },
    {
      flags: "--spot",
      description: "AWS: a spot machine (far cheaper; AWS may take it back with 2 min notice)",
    },
    {
      flags: "--volume <NAME[:GB]>",
      description: "mount a workspace volume at ~/workspace (created on first use, kept by down)",
    },
    { flags: "--no-connect", description: "stop when ready and print how to connect" },
    {
      flags: "--allow-setup-failure",
      description: "exit 0 even if a spuff.yaml setup step fails (the instance is kept)",
    },
    {
      flags: "--ignore-budget",
      description: "create even if budget.monthly or budget.max_hourly would refuse (said on stderr)",
    },
    {
      flags: "--dry-run",
      description: "print the plan and user-data; create nothing (--spot: one price lookup)",
    },
  ],
  json: "NDJSON progress events, then the result (with --dry-run: the plan)",
  examples: [
    "spuff up",
    "spuff up box --provider hetzner --size cx22",
    "spuff up --spot --provider aws",
    "spuff up --volume work:20",
    "spuff up --dry-run --json",
  ],
  async run(deps, { args: [name], opts }) {
    const { runUp } = await import("./up.ts");
    await runUp(deps, name as string | undefined, opts as Parameters<typeof runUp>[2]);
  },
};
