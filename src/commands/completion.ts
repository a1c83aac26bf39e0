/**
 * `spuff completion bash|zsh|fish` prints a script that asks `spuff __complete WORDS…` (see
 * cli/complete.ts) for the candidates, so completion always matches the installed spuff's command
 * table. Values come from local files only: instance names from state.db opened read-only, images
 * and machine ids from their folders, config keys and bundle names from the code; nothing calls a
 * provider.
 */
import { PROVIDERS } from "../cli/command-def.ts";
import { COMMANDS } from "../cli/commands.ts";
import { type Candidate, complete, formatCandidates, type ValueSource } from "../cli/complete.ts";
import type { Deps } from "../cli/deps.ts";
import { UsageError } from "../core/errors.ts";
import { SHELLS } from "./completion.def.ts";

const BASH = `# spuff completion for bash. Load it with: source <(spuff completion bash)
_spuff_complete() {
  local line
  COMPREPLY=()
  while IFS= read -r line; do
    [[ -n "$line" ]] && COMPREPLY+=("\${line%%$'\\t'*}")
  done < <(spuff __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
}
complete -o default -F _spuff_complete spuff
`;

const ZSH = `#compdef spuff
# spuff completion for zsh. Load it with: source <(spuff completion zsh)  (after compinit),
# or save it as _spuff in a directory on $fpath.
_spuff() {
  local line value desc
  local -a candidates
  for line in "\${(@f)$(spuff __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}"; do
    [[ -n "$line" ]] || continue
    value=\${line%%$'\\t'*}
    desc=
    [[ "$line" == *$'\\t'* ]] && desc=\${line#*$'\\t'}
    candidates+=("\${value//:/\\\\:}\${desc:+:$desc}")
  done
  if (( \${#candidates} )); then
    _describe -t spuff 'spuff' candidates
  else
    _files
  fi
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _spuff "$@"
else
  compdef _spuff spuff
fi
`;

const FISH = `# spuff completion for fish. Load it with: spuff completion fish | source
function __spuff_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l current (commandline -ct)
    spuff __complete $words "$current" 2>/dev/null
end
complete -c spuff -f -a '(__spuff_complete)'
`;

const SCRIPTS: Record<(typeof SHELLS)[number], string> = { bash: BASH, zsh: ZSH, fish: FISH };

export function runCompletion(deps: Deps, shell: string): void {
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(`Unknown shell ${JSON.stringify(shell)}`, {
      hint: `Use one of: ${SHELLS.join(", ")}, e.g. \`spuff completion bash\`.`,
    });
  }
  deps.io.out.write(SCRIPTS[shell as (typeof SHELLS)[number]]);
}

/** The hidden `spuff __complete WORDS…`: never fails, never writes anything but candidates. */
export async function runComplete(deps: Deps, words: readonly string[]): Promise<void> {
  let out: Candidate[] = [];
  try {
    out = await complete(COMMANDS, words.length > 0 ? words : [""], localValues(deps));
  } catch (err) {
    deps.log.debug("completion failed", { error: err instanceof Error ? err.message : String(err) });
  }
  if (out.length > 0) deps.io.out.write(`${formatCandidates(out)}\n`);
}

const plain = (values: readonly string[]): Candidate[] => values.map((value) => ({ value }));

export function localValues(deps: Deps): ValueSource {
  return async (kind, args) => {
    switch (kind) {
      case "instances": {
        const { instanceNamesReadOnly } = await import("../state/names.ts");
        return instanceNamesReadOnly(deps.paths.stateDb).map((r) => ({
          value: r.name,
          description: `${r.provider}, ${r.status}`,
        }));
      }
      case "providers":
        return plain(PROVIDERS);
      case "bundles":
        return plain((await import("../bundles/names.ts")).BUNDLE_NAMES);
      case "shells":
        return plain(SHELLS);
      case "config-keys":
        return plain((await import("../config/schema.ts")).allKeys());
      case "images": {
        const [{ listImages }, { machineLayout }] = await Promise.all([
          import("../machines/image.ts"),
          import("../machines/layout.ts"),
        ]);
        return listImages(machineLayout(deps.paths.dataDir)).map((i) => ({
          value: i.name,
          description: i.kind,
        }));
      }
      case "machines": {
        const [{ listMachineDirs }, { machineLayout }] = await Promise.all([
          import("../machines/records.ts"),
          import("../machines/layout.ts"),
        ]);
        return listMachineDirs(machineLayout(deps.paths.dataDir)).map((d) => ({
          value: d.id,
          description: d.record ? `${d.record.name}, ${d.record.state}` : "no record",
        }));
      }
      case "config-values": {
        const { configValueChoices } = await import("../cli/config-values.ts");
        return plain(configValueChoices(args[0] ?? ""));
      }
    }
  };
}
