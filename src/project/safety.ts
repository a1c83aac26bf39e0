/**
 * A project file is only read when nobody but the user (or root) could have put it there, in the
 * spirit of git's safe.directory: the file and the directory holding it must be owned by the
 * invoking user or root, and neither may be writable by group or others. Otherwise a spuff.yaml
 * planted in a shared parent directory (/tmp, a group checkout) would steer the user's `up`.
 */
import fs from "node:fs";
import path from "node:path";
import { ConfigError } from "../core/errors.ts";

/** uid → user name from /etc/passwd, for the message (the uid alone when unknown). */
function ownerName(uid: number, passwd = "/etc/passwd"): string {
  try {
    for (const line of fs.readFileSync(passwd, "utf8").split("\n")) {
      const [name, , id] = line.split(":");
      if (name && id === String(uid)) return `${name} (uid ${uid})`;
    }
  } catch {
    // No passwd file: the uid is enough.
  }
  return `uid ${uid}`;
}

function refuse(file: string, what: string, problem: string, fix: string): never {
  throw new ConfigError("project_unsafe", `Refusing ${file}: ${what} ${problem}.`, {
    hint: `A project file is only read when you (or root) own it and its directory and no one else can write them. If you trust it: ${fix}`,
    details: { file },
  });
}

/**
 * Throws project_unsafe (exit 3) naming the file, the owner and the fix. `uid` is the invoking
 * user's (injectable for tests). A missing file is not this check's business.
 */
export function assertProjectFileSafe(file: string, uid = process.getuid?.() ?? 0): void {
  const dir = path.dirname(file);
  const checks: [string, string][] = [
    [file, "the file"],
    [dir, "its directory"],
  ];
  for (const [p, what] of checks) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && p === file) return;
      throw err;
    }
    if (st.uid !== uid && st.uid !== 0) {
      refuse(
        file,
        `${what} ${p === file ? "" : `(${p}) `}is owned by`,
        ownerName(st.uid),
        `chown ${uid === 0 ? "root" : "$USER"} ${p}`,
      );
    }
    if ((st.mode & 0o022) !== 0) {
      refuse(
        file,
        `${what} ${p === file ? "" : `(${p}) `}can be changed by other users`,
        `(mode ${(st.mode & 0o7777).toString(8)})`,
        `chmod go-w ${p}`,
      );
    }
  }
}
