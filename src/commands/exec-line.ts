/**
 * The remote command line of `spuff exec`: load the project's env file (spuff up writes it 0600,
 * every value shell-quoted; only login shells read it otherwise), then run the argv unchanged,
 * each argument quoted as OpenSSH users would. A file not owned by the user is not sourced.
 */
import { envFilePath } from "../bundles/layout.ts";
import { shellQuote } from "../cloudinit/shell-quote.ts";

export function execLine(command: readonly string[]): string {
  const file = envFilePath("$HOME");
  return [
    `spuff_env="${file}"`,
    `if [ -f "$spuff_env" ] && [ -O "$spuff_env" ]; then . "$spuff_env" || { echo "spuff: cannot load $spuff_env" >&2; exit 125; }; fi`,
    "unset spuff_env",
    command.map(shellQuote).join(" "),
  ].join("\n");
}
