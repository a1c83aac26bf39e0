/** `spuff config …`: definitions (the commands are in config.ts, loaded only when run). */
import type { CommandDef } from "../cli/command-def.ts";

export const configCommand: CommandDef = {
  name: "config",
  description: "show or change settings",
  examples: ["spuff config show", "spuff config set region fra1"],
  subcommands: [
    {
      name: "show",
      description: "print the effective settings (secrets masked)",
      json: true,
      examples: ["spuff config show", "spuff config show --json"],
      async run(deps) {
        const { runConfigShow } = await import("./config.ts");
        await runConfigShow(deps);
      },
    },
    {
      name: "get",
      description: "print one setting",
      args: [
        {
          name: "key",
          required: true,
          description: "dotted key, e.g. timeouts.ssh_login",
          complete: "config-keys",
        },
      ],
      flags: [{ flags: "--reveal", description: "print secrets in clear" }],
      json: true,
      examples: ["spuff config get region", "spuff config get hetzner.token --reveal"],
      async run(deps, { args: [key], opts }) {
        const { runConfigGet } = await import("./config.ts");
        await runConfigGet(deps, key as string, opts);
      },
    },
    {
      name: "set",
      description: "change one setting; the file is left unchanged if the value is invalid",
      args: [
        {
          name: "key",
          required: true,
          description: "dotted key, e.g. idle_timeout",
          complete: "config-keys",
        },
        {
          name: "value",
          required: true,
          description: "new value ('-' reads it from stdin, for tokens)",
          complete: "config-values",
        },
      ],
      examples: [
        "spuff config set region fra1",
        "spuff config set idle_timeout 45m",
        "spuff config set digitalocean.token - < token.txt",
      ],
      async run(deps, { args: [key, value] }) {
        const { runConfigSet } = await import("./config.ts");
        await runConfigSet(deps, key as string, value as string);
      },
    },
    {
      name: "unset",
      description: "remove one setting (back to its default)",
      args: [{ name: "key", required: true, description: "dotted key", complete: "config-keys" }],
      examples: ["spuff config unset region"],
      async run(deps, { args: [key] }) {
        const { runConfigUnset } = await import("./config.ts");
        await runConfigUnset(deps, key as string);
      },
    },
    {
      name: "edit",
      description: "open the config in $EDITOR; it is validated before it replaces the file",
      examples: ["EDITOR=nano spuff config edit"],
      async run(deps) {
        const { runConfigEdit } = await import("./config.ts");
        await runConfigEdit(deps);
      },
    },
    {
      name: "path",
      description: "print the config file's path",
      json: true,
      examples: ["spuff config path"],
      async run(deps) {
        const { runConfigPath } = await import("./config.ts");
        runConfigPath(deps);
      },
    },
  ],
};
