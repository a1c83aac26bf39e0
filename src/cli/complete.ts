/**
 * Shell completion over the command table: given the words after `spuff` (the last one is the
 * word being completed, maybe empty), which words may come next. The shell scripts
 * (`commands/completion.ts`) only call `spuff __complete WORDS…` and show the answer, so bash,
 * zsh and fish all complete from this one walk and can never drift from the table.
 */
import { type CommandDef, type Completion, type FlagDef, flagsOf } from "./command-def.ts";

export interface Candidate {
  value: string;
  description?: string;
}

/** Where argument values come from (all local: no network). `args` = positionals typed so far. */
export type ValueSource = (kind: Completion, args: readonly string[]) => Promise<Candidate[]>;

const GLOBAL_FLAGS: FlagDef[] = [
  { flags: "-v, --verbose", description: "debug logging to stderr" },
  { flags: "-h, --help", description: "display help for command" },
];

/**
 * Values from files (state.db) reach the user's command line: a shell inserts a candidate as typed
 * text, so anything that is not a plain word (spaces, newlines, `$(…)`, quotes, a leading dash) is
 * never offered.
 */
const PLAIN_WORD = /^[A-Za-z0-9_][A-Za-z0-9_.@%+=:,/-]*$/;

const names = (f: FlagDef) => f.flags.split(/[ ,]+/).filter((w) => w.startsWith("-"));
const takesValue = (f: FlagDef) => /[<[]/.test(f.flags);

function findFlag(flags: FlagDef[], word: string): FlagDef | undefined {
  return flags.find((f) => names(f).includes(word));
}

export async function complete(
  table: readonly CommandDef[],
  words: readonly string[],
  values: ValueSource,
): Promise<Candidate[]> {
  const current = words.at(-1) ?? "";
  const typed = words.slice(0, -1);
  let node: CommandDef = { name: "spuff", description: "", examples: [], subcommands: [...table] };
  const args: string[] = [];
  let pending: FlagDef | undefined;
  for (const word of typed) {
    const flags = [...flagsOf(node), ...GLOBAL_FLAGS];
    if (pending) {
      pending = undefined;
      continue;
    }
    // After `--` comes a remote command (spuff exec): nothing of spuff's to offer.
    if (word === "--") return [];
    if (word.startsWith("-") && word.length > 1) {
      const flag = findFlag(flags, word);
      if (flag && takesValue(flag)) pending = flag;
      continue;
    }
    const sub =
      args.length === 0
        ? node.subcommands?.find((d) => d.name === word || d.aliases?.includes(word))
        : undefined;
    if (sub) node = sub;
    else args.push(word);
  }
  const matching = (cs: Candidate[]) => cs.filter((c) => c.value.startsWith(current));
  const fromSource = async (kind: Completion) =>
    matching((await values(kind, args)).filter((c) => PLAIN_WORD.test(c.value)));
  if (pending) {
    if (pending.choices) return matching(pending.choices.map((value) => ({ value })));
    return pending.complete ? fromSource(pending.complete) : [];
  }
  if (current.startsWith("-")) {
    return matching(
      [...flagsOf(node), ...GLOBAL_FLAGS].flatMap((f) =>
        names(f).map((value) => ({ value, description: f.description })),
      ),
    );
  }
  const subs = args.length === 0 ? (node.subcommands ?? []) : [];
  if (subs.length > 0) return matching(subs.map((d) => ({ value: d.name, description: d.description })));
  const arg = node.args?.[args.length];
  return arg?.complete ? fromSource(arg.complete) : [];
}

/**
 * One candidate per line, `value<TAB>description` (fish and zsh show it; bash keeps the value).
 * Descriptions may come from state.db: whitespace becomes one space and control characters `?`,
 * so a description can neither add a line nor send escape sequences to the terminal.
 */
export function formatCandidates(cs: readonly Candidate[]): string {
  const clean = (d: string) => d.replace(/\s+/g, " ").replace(/[\p{Cc}\p{Cf}]/gu, "?");
  return cs.map((c) => (c.description ? `${c.value}\t${clean(c.description)}` : c.value)).join("\n");
}
