/** `spuff tunnel`: definition (the command itself is in tunnel.ts, loaded only when run). */
import type { CommandDef } from "../cli/command-def.ts";
import type { runTunnel } from "./tunnel.ts";

export const tunnelCommand: CommandDef = {
  name: "tunnel",
  description: "forward local ports to the instance's loopback over the pinned SSH connection",
  args: [{ name: "name", description: "instance name (default: the only one)", complete: "instances" }],
  flags: [
    {
      flags: "-p, --port <port[:remote]>",
      description: "local 127.0.0.1:PORT → the VM's 127.0.0.1:REMOTE (repeatable; local 0 = any free port)",
      repeatable: true,
    },
    {
      flags: "--auto",
      description:
        "also forward each port the dev user's processes listen on as it appears, drop it when it goes; reconnect when the connection drops",
    },
  ],
  json: "print the mapping as one JSON line (--auto: one NDJSON event per change)",
  examples: [
    "spuff tunnel -p 8080 -p 15432:5432",
    "spuff tunnel box -p 0:3000 --json",
    "spuff tunnel --auto",
    "spuff tunnel box --auto --json",
  ],
  async run(deps, { args: [name], opts }) {
    const { runTunnel } = await import("./tunnel.ts");
    await runTunnel(deps, name as string | undefined, opts as Parameters<typeof runTunnel>[2]);
  },
};
