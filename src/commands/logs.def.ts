/** `spuff logs`: definition (the command itself is in logs.ts, loaded only when run). */
import type { CommandDef } from "../cli/command-def.ts";
import type { runLogs } from "./logs.ts";

export const logsCommand: CommandDef = {
  name: "logs",
  description: "the tail of a log on the instance (default /var/log/cloud-init-output.log)",
  args: [{ name: "name", description: "instance name (default: the only one)", complete: "instances" }],
  flags: [
    { flags: "-f, --follow", description: "keep printing what is appended, until Ctrl-C" },
    { flags: "-n, --lines <n>", description: "how many lines (1–10000)", default: "100" },
    { flags: "--file <path>", description: "another log under the VM's /var/log" },
    { flags: "--setup", description: "the spuff.yaml setup steps' logs (with -f: the running step's)" },
    { flags: "--bundle <name>", description: "one tool bundle's install log", complete: "bundles" },
  ],
  json: "print as JSON (with -f: one JSON line per log line)",
  examples: ["spuff logs box -f", "spuff logs box --bundle docker -n 50", "spuff logs --setup --json"],
  async run(deps, { args: [name], opts }) {
    const { runLogs } = await import("./logs.ts");
    await runLogs(deps, name as string | undefined, opts as Parameters<typeof runLogs>[2]);
  },
};
