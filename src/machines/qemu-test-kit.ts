/**
 * What the qemu test files (driver, disk build, acceleration probe) share: scratch folders removed
 * after the file, and reading a flag's values out of a qemu command line.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

// Each test file imports this module afresh (vitest isolates files), so the hook is per file.
const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test file ends. */
export function tmpDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `spuff-qemu-${prefix}-`));
  scratch.push(d);
  return d;
}

/** Values following each occurrence of `flag`. */
export function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ""] : []));
}
