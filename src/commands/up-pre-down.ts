/**
 * On a spot machine, `up` leaves spuff.yaml's pre_down hook on the VM (the dev user's
 * ~/.config/spuff/pre-down.sh, 0700, over SFTP as that user, never in user-data) so the agent can
 * run it when AWS gives notice, with no CLI around. A failure is a warning: the machine works,
 * only the hook would not run on an interruption (the agent then reports "none").
 */
import { preDownScriptPath } from "../bundles/layout.ts";
import type { Deps } from "../cli/deps.ts";
import { homeOf } from "../cloudinit/build.ts";
import { preDownScript } from "../project/pre-down-script.ts";
import type { Connection } from "../ssh/connection.ts";
import { exec } from "../ssh/exec.ts";
import { upload } from "../ssh/upload.ts";

export async function placePreDown(deps: Deps, conn: Connection, user: string, hook: string): Promise<void> {
  const home = homeOf(user);
  try {
    const mk = await exec(conn, 'mkdir -p -m 700 "$HOME/.config/spuff"', { timeoutMs: 30_000 });
    if (mk.exitCode !== 0) throw new Error(`mkdir exited ${mk.exitCode}: ${mk.stderr.trim()}`);
    await upload(conn, { remotePath: preDownScriptPath(home), data: preDownScript(home, hook), mode: 0o700 });
  } catch (err) {
    deps.io.err.write(
      `Warning: hooks.pre_down could not be put on the machine (${err instanceof Error ? err.message : String(err)}); it will not run if AWS reclaims it.\n`,
    );
  }
}
