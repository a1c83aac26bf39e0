/**
 * The pre_down hook as the script bash runs (`bash -s` over SSH for `down`, or the file the agent
 * runs on a spot interruption): the project's env loaded, in ~/workspace, then the user's text
 * verbatim. The hook is never quoted into a command line: it is the script's body.
 */
import { envFilePath } from "../bundles/layout.ts";

export function preDownScript(home: string, hook: string): string {
  const env = envFilePath(home);
  return `set -a\n[ -r ${env} ] && . ${env}\nset +a\ncd "$HOME/workspace" 2>/dev/null || cd\n${hook}\n`;
}
