/**
 * Before a prebuild's snapshot, everything that belongs to the one machine or to the user who made
 * it leaves the disk for good (the machine is destroyed right after, nothing is put back): the
 * agent and reaper tokens and the project's secret env (as for any snapshot, up/snapshot-scrub.ts),
 * the host keys, cloud-init's per-instance state, the machine-id, every ssh authorized_keys and
 * shell history. A machine made from the prebuild gets all of them anew: cloud-init runs per
 * instance (user-data brings the user's key and a pinned host key), `up` rotates the host key,
 * uploads a new agent token and sends the secret env again. The drivers' saveLayer removes the
 * identity files a second time on the host side (machines/nspawn.ts).
 */
import { shellQuote } from "../cloudinit/shell-quote.ts";
import { UserError } from "../core/errors.ts";
import type { Connection } from "../ssh/connection.ts";
import { exec } from "../ssh/exec.ts";
import { snapshotSecrets } from "../up/snapshot-scrub.ts";

/** Paths (globs allowed) removed as root; a link is removed as a link, never followed. */
export const PREBUILD_SCRUB_PATHS = [
  "/etc/ssh/ssh_host_*",
  "/var/lib/cloud/instance",
  "/var/lib/cloud/instances",
  "/var/lib/cloud/data",
  "/var/lib/cloud/sem",
  "/var/lib/dbus/machine-id",
  "/root/.ssh/authorized_keys",
  "/root/.bash_history",
  "/home/*/.ssh/authorized_keys",
  "/home/*/.bash_history",
  // The prebuild steps ran with the project's env (secrets included): their output stays behind.
  "/var/log/spuff/setup/*.log",
] as const;

// $@ = the exact secret files (from snapshotSecrets). The globs are expanded by this script, in
// the guest, as root; `rm -rf --` on a link removes the link. machine-id is emptied, not removed:
// systemd then makes a new one at the next boot (Debian's images ship it empty for that reason).
// `sync` so the snapshot sees the removal.
const SCRUB = [
  "set -eu",
  'for f in "$@"; do rm -rf -- "$f"; done',
  `for f in ${PREBUILD_SCRUB_PATHS.join(" ")}; do`,
  '  if [ -e "$f" ] || [ -L "$f" ]; then rm -rf -- "$f"; fi',
  "done",
  "if [ -L /etc/machine-id ]; then rm -f /etc/machine-id; fi",
  // A container manager may bind-mount it (nspawn): then its driver drops it from the layer.
  "if ! mountpoint -q /etc/machine-id; then : >/etc/machine-id; fi",
  "sync",
].join("\n");

/** The guest-side scrub script with its arguments (pure; tests run it against a scratch root). */
export function prebuildScrubCommand(home: string): string {
  return `sudo -n sh -c ${shellQuote(SCRUB)} sh ${snapshotSecrets(home).map(shellQuote).join(" ")}`;
}

export const PREBUILD_SCRUB_SCRIPT = SCRUB;

export async function scrubForPrebuild(conn: Connection, timeoutMs: number): Promise<void> {
  const home = await exec(conn, 'printf %s "$HOME"', { timeoutMs });
  const r =
    home.exitCode === 0 ? await exec(conn, prebuildScrubCommand(home.stdout.trim()), { timeoutMs }) : home;
  if (r.exitCode !== 0) {
    throw new UserError(
      "snapshot_scrub_failed",
      `Could not remove the prebuild machine's secrets (exit ${r.exitCode}): ${r.stderr.trim()}`,
      {
        hint: "No prebuild was taken: it would hold the machine's keys and tokens. The machine is destroyed.",
      },
    );
  }
}
