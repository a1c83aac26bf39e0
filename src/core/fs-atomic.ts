/** Atomic file replacement: write a sibling temp file with the final mode, fsync, rename over. */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

// node:crypto loads on the first write, not with every command that merely could write (~5 ms).
const require = createRequire(typeof __filename === "string" ? __filename : import.meta.url);
const randomBytes = (n: number): Buffer =>
  (require("node:crypto") as typeof import("node:crypto")).randomBytes(n);

export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = fs.openSync(tmp, "wx", mode);
  try {
    fs.writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fs.fchmodSync(fd, mode); // umask may have narrowed or (never) widened the create mode
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
