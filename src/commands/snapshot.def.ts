/** `spuff snapshot …`: definitions (the commands are in snapshot.ts, loaded only when run). */
import { type CommandDef, PROVIDER_FLAG } from "../cli/command-def.ts";
import type { runSnapshotDelete, runSnapshotList } from "./snapshot.ts";

export const snapshotCommand: CommandDef = {
  name: "snapshot",
  description: "manage instance snapshots at the provider",
  examples: ["spuff snapshot create box", "spuff snapshot list"],
  subcommands: [
    {
      name: "create",
      description: "snapshot an instance; returns when the provider says it is usable",
      args: [
        { name: "instance", description: "instance name (default: the only one)", complete: "instances" },
      ],
      flags: [{ flags: "--name <snap>", description: "snapshot name (default: INSTANCE-YYYYMMDD-HHMMSS)" }],
      json: "print the snapshot as JSON",
      examples: ["spuff snapshot create box --name box-base"],
      async run(deps, { args: [instance], opts }) {
        const { runSnapshotCreate } = await import("./snapshot.ts");
        await runSnapshotCreate(deps, instance as string | undefined, opts);
      },
    },
    {
      name: "list",
      aliases: ["ls"],
      description: "list the account's instance snapshots",
      flags: [PROVIDER_FLAG],
      json: true,
      examples: ["spuff snapshot list --provider hetzner --json"],
      async run(deps, { opts }) {
        const { runSnapshotList } = await import("./snapshot.ts");
        await runSnapshotList(deps, opts as Parameters<typeof runSnapshotList>[1]);
      },
    },
    {
      name: "delete",
      description: "delete a snapshot (succeeds if it is already gone)",
      args: [{ name: "id", required: true, description: "snapshot id, from `spuff snapshot list`" }],
      flags: [PROVIDER_FLAG],
      json: "print the result as JSON",
      examples: ["spuff snapshot delete 123456 --provider digitalocean"],
      async run(deps, { args: [id], opts }) {
        const { runSnapshotDelete } = await import("./snapshot.ts");
        await runSnapshotDelete(deps, id as string, opts as Parameters<typeof runSnapshotDelete>[2]);
      },
    },
  ],
};
