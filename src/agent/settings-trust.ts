/**
 * Which agent.json the agent believes when a setting lowers a protection. `workspace_on_volume`
 * makes the unsaved-work guard leave ~/workspace out, so a process in the guest must not be able to
 * set it through a file it can write. The file is read through one descriptor, opened without
 * following a symlink, and believed only when it (a regular file) and its directory belong to the
 * agent's own user (root on a VM, where cloud-init writes it 0644 root:root) and neither is
 * writable by group or others.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats, statSync } from "node:fs";
import path from "node:path";

type Owned = Pick<Stats, "uid" | "mode">;

/** Why a file and its directory cannot be believed, or undefined when they can. */
export function untrustedReason(
  file: Owned & { regular: boolean },
  dir: Owned,
  uid: number,
): string | undefined {
  if (!file.regular) return "it is not a regular file";
  if (file.uid !== uid) return `it belongs to uid ${file.uid}, not the agent's ${uid}`;
  if ((file.mode & 0o022) !== 0) return "group or others may write it";
  if (dir.uid !== uid) return `its directory belongs to uid ${dir.uid}, not the agent's ${uid}`;
  if ((dir.mode & 0o022) !== 0) return "group or others may write its directory";
  return undefined;
}

/**
 * The text of `file` and, when it cannot be believed, why (ENOENT and the like are thrown). A
 * symlink is read (the rest of the settings still apply) but never believed.
 */
export function readSettingsFile(file: string, uid: number): { text: string; untrusted?: string } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ELOOP") throw err;
    return { text: readFileSync(file, "utf8"), untrusted: "it is a symbolic link" };
  }
  try {
    const st = fstatSync(fd);
    const text = readFileSync(fd, "utf8");
    const why = untrustedReason(
      { uid: st.uid, mode: st.mode, regular: st.isFile() },
      statSync(path.dirname(file)),
      uid,
    );
    return why ? { text, untrusted: why } : { text };
  } finally {
    closeSync(fd);
  }
}
