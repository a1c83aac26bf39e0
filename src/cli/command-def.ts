/**
 * A command as data: its name, arguments, flags, help and examples, and a `run` that lazy-imports
 * the command's module. `program.ts` builds commander from these; `complete.ts` walks the same
 * table for shell completion, and `table.test.ts` checks every entry has help and examples.
 * Definitions live in `commands/<verb>.def.ts` and import nothing heavy: they are all loaded at
 * start-up, the command modules only when run.
 */
import { PROVIDERS } from "../providers/catalog.ts";
import type { Deps } from "./deps.ts";

/** Providers a `--provider` flag accepts: the catalog's list (plain data, so start-up stays light). */
export { PROVIDERS };

/** Where completion finds the values of an argument or flag (all local: no network). */
export type Completion =
  | "instances"
  | "providers"
  | "config-keys"
  | "config-values"
  | "bundles"
  | "shells"
  | "images"
  | "machines";

export interface ArgDef {
  /** Shown in usage; `required` → <name>, else [name]; `variadic` → name... */
  name: string;
  description: string;
  required?: boolean;
  variadic?: boolean;
  complete?: Completion;
}

export interface FlagDef {
  /** commander's syntax: "-n, --lines <n>", "--force", "--no-connect". */
  flags: string;
  description: string;
  default?: string;
  choices?: readonly string[];
  /** May be given more than once; the values are collected into a list. */
  repeatable?: boolean;
  complete?: Completion;
}

/** What a run receives: positional arguments in declaration order, the parsed flags, raw argv. */
export interface RunInput {
  args: unknown[];
  opts: Record<string, unknown>;
  /** The raw command line (only `exec` needs it, to split at `--`). */
  argv: readonly string[];
}

export interface CommandDef {
  name: string;
  aliases?: string[];
  /** One line, shown in the parent's command list and at the top of the command's help. */
  description: string;
  usage?: string;
  args?: ArgDef[];
  flags?: FlagDef[];
  /**
   * A data command: declares `--json` (the text is its help line, `true` for "print as JSON").
   * The parsed value becomes `deps.json` before the run.
   */
  json?: string | true;
  /** Command lines shown under "Examples:" in the command's help (at least one). */
  examples: string[];
  /** The default subcommand of its parent (`spuff ssh-config` = `spuff ssh-config show`). */
  isDefault?: boolean;
  /** Pass unknown flags through as arguments (`exec`, whose remote command has its own flags). */
  allowUnknownOption?: boolean;
  run?: (deps: Deps, input: RunInput) => Promise<void>;
  subcommands?: CommandDef[];
}

/** `--provider <name>`: one of the catalog's, completed from it. */
export const PROVIDER_FLAG: FlagDef = {
  flags: "--provider <name>",
  description: "cloud provider",
  choices: PROVIDERS,
  complete: "providers",
};

export const JSON_FLAG = "--json";
export const DEFAULT_JSON_HELP = "print as JSON";

/** The flag definitions of a command, with `--json` added for data commands. */
export function flagsOf(def: CommandDef): FlagDef[] {
  const flags = [...(def.flags ?? [])];
  if (def.json) {
    flags.push({ flags: JSON_FLAG, description: def.json === true ? DEFAULT_JSON_HELP : def.json });
  }
  return flags;
}
