/**
 * Builds commander from the command table (`cli/commands.ts`). Each definition's run lazy-imports
 * its command file, so start-up only pays for commander, the (small) definitions and the command
 * actually run. `--json` is declared here, once, for every definition marked `json`, and its parsed
 * value becomes `deps.json` before the run.
 */
import { Command, Option } from "commander";
import { VERSION } from "../version.ts";
import { type CommandDef, flagsOf } from "./command-def.ts";
import { COMMANDS } from "./commands.ts";
import type { Deps } from "./deps.ts";

const ROOT_HELP = `
Examples:
  $ spuff init --defaults            write a config for the free local provider
  $ spuff config set region fra1     change one setting (validated before it is saved)
  $ spuff list --json                every instance spuff knows about, as JSON

Environment:
  SPUFF_CONFIG_DIR   config and state directory (default ~/.config/spuff)
  SPUFF_DATA_DIR     images and local machines (default ~/.local/share/spuff)
  SPUFF_LOG          debug | info | warn | error (logs go to stderr, secrets redacted)
  DIGITALOCEAN_TOKEN, HCLOUD_TOKEN, AWS_PROFILE / AWS_ACCESS_KEY_ID   provider credentials
  DIGITALOCEAN_API_URL   DigitalOcean API base URL (e.g. a local spuff-sim)

Shell completion: spuff completion bash|zsh|fish (see \`spuff completion --help\`)`;

/**
 * Build the program. Defining every command costs a few ms of start-up, so when the first argument
 * names a command only that one is defined; help and unknown commands get the full table.
 */
export function buildProgram(deps: Deps, argv: readonly string[] = []): Command {
  const program = new Command("spuff")
    .description("Ephemeral development machines in your own cloud account.")
    .version(VERSION, "-V, --version", "print the version")
    .option("-v, --verbose", "debug logging to stderr (same as SPUFF_LOG=debug)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => deps.io.out.write(s),
      writeErr: (s) => deps.io.err.write(s),
      // main.ts prints usage errors in spuff's own format (and as JSON with --json).
      outputError: () => {},
    })
    .showSuggestionAfterError(true)
    .addHelpText("after", ROOT_HELP);
  program.hook("preAction", (_root, action) => {
    deps.json = action.opts().json === true;
  });

  const first = argv.find((a) => !a.startsWith("-"));
  const chosen = COMMANDS.filter((c) => c.name === first || c.aliases?.includes(first ?? ""));
  for (const def of chosen.length > 0 ? chosen : COMMANDS) addCommand(program, def, deps, argv);
  return program;
}

function addCommand(parent: Command, def: CommandDef, deps: Deps, argv: readonly string[]): void {
  const cmd = parent.command(def.name, { isDefault: def.isDefault }).description(def.description);
  for (const alias of def.aliases ?? []) cmd.alias(alias);
  if (def.usage) cmd.usage(def.usage);
  for (const a of def.args ?? []) {
    const name = `${a.name}${a.variadic ? "..." : ""}`;
    cmd.argument(a.required ? `<${name}>` : `[${name}]`, a.description);
  }
  for (const f of flagsOf(def)) {
    const option = new Option(f.flags, f.description);
    if (f.choices) option.choices(f.choices);
    if (f.repeatable) option.argParser((v: string, prev: string[] = []) => [...prev, v]).default([]);
    else if (f.default !== undefined) option.default(f.default);
    cmd.addOption(option);
  }
  if (def.allowUnknownOption) cmd.allowUnknownOption();
  cmd.addHelpText("after", `\nExamples:\n${def.examples.map((e) => `  $ ${e}`).join("\n")}`);
  for (const sub of def.subcommands ?? []) addCommand(cmd, sub, deps, argv);
  const run = def.run;
  if (run) {
    cmd.action(async (...params: unknown[]) => {
      // commander passes the declared arguments, then the options, then the command.
      const args = params.slice(0, def.args?.length ?? 0);
      const opts = (params[args.length] ?? {}) as Record<string, unknown>;
      await run(deps, { args, opts, argv });
    });
  }
}
