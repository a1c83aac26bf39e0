/**
 * Before any snapshot, the machine's secrets leave its disk: the agent token (agent.env), the
 * reaper token and the project's secret env file (env.sh). A snapshot is an image anyone with
 * access to the account can boot or share, and a machine made from it gets fresh ones in `up`
 * (agent-install.ts). One function for `snapshot create` and `down --snapshot`.
 *
 * The files move to /run (tmpfs: in no disk image, gone at reboot) rather than being deleted, so
 * `snapshot create` can put them back on the running machine afterwards. The running agent keeps
 * its token in memory meanwhile.
 */

import { envFilePath } from "../bundles/layout.ts";
import { AGENT_ENV_PATH, AGENT_REAPER_TOKEN_PATH } from "../cloudinit/agent-unit.ts";
import { shellQuote } from "../cloudinit/shell-quote.ts";
import { UserError } from "../core/errors.ts";
import type { Connection } from "../ssh/connection.ts";
import { exec } from "../ssh/exec.ts";

export const SCRUB_DIR = "/run/spuff-snapshot-scrub";

/** The secret files on a machine whose dev user's home is `home`. */
export function snapshotSecrets(home: string): string[] {
  return [AGENT_ENV_PATH, AGENT_REAPER_TOKEN_PATH, envFilePath(home)];
}

// $1 = the scrub dir, then the files. `mv` keeps owner and mode; a file is looked at with -e/-L so
// a link is moved as a link (never followed). `sync` so the snapshot sees the removal.
const SCRUB = [
  "set -eu",
  'd="$1"; shift',
  'install -d -m 0700 -o root -g root "$d"',
  'for f in "$@"; do',
  '  if [ -e "$f" ] || [ -L "$f" ]; then',
  '    k="$d/$(printf %s "$f" | tr / _)"',
  '    mv -f -T -- "$f" "$k"',
  '    printf "%s\\n" "$f" >>"$d/moved"',
  "  fi",
  "done",
  "sync",
].join("\n");

const RESTORE = [
  "set -eu",
  'd="$1"',
  '[ -f "$d/moved" ] || exit 0',
  "while IFS= read -r f; do",
  '  k="$d/$(printf %s "$f" | tr / _)"',
  '  if [ -e "$k" ] || [ -L "$k" ]; then mv -f -T -- "$k" "$f"; fi',
  'done <"$d/moved"',
  'rm -rf -- "$d"',
].join("\n");

async function run(conn: Connection, command: string, timeoutMs: number, what: string): Promise<string> {
  const r = await exec(conn, command, { timeoutMs });
  if (r.exitCode !== 0) {
    throw new UserError(
      "snapshot_scrub_failed",
      `Could not ${what} (exit ${r.exitCode}): ${r.stderr.trim()}`,
      {
        hint: "No snapshot was taken: it would hold the machine's tokens. Check the machine with `spuff ssh`.",
      },
    );
  }
  return r.stdout;
}

/** Move the secrets off the disk; call `restoreAfterSnapshot` when the machine keeps running. */
export async function scrubForSnapshot(conn: Connection, timeoutMs: number): Promise<string[]> {
  const home = (await run(conn, 'printf %s "$HOME"', timeoutMs, "find the home directory")).trim();
  const files = snapshotSecrets(home);
  await run(
    conn,
    `sudo -n sh -c ${shellQuote(SCRUB)} sh ${[SCRUB_DIR, ...files].map(shellQuote).join(" ")}`,
    timeoutMs,
    "remove the machine's secrets before the snapshot",
  );
  return files;
}

export async function restoreAfterSnapshot(conn: Connection, timeoutMs: number): Promise<void> {
  await run(
    conn,
    `sudo -n sh -c ${shellQuote(RESTORE)} sh ${shellQuote(SCRUB_DIR)}`,
    timeoutMs,
    "put the machine's secrets back after the snapshot",
  );
}
