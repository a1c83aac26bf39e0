/**
 * What the qemu test files (driver, disk build, acceleration probe, snapshots) share: scratch folders
 * removed after the file, reading a flag's values out of a qemu command line, the system ssh client,
 * and whether the VM suites run here.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { SHARED_DATA_DIR, TEST_IMAGE } from "../../test/helpers/machines.ts";
import { realHost } from "./host.ts";

// Each test file imports this module afresh (vitest isolates files), so the hook is per file.
const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
});

const host = realHost();
const qemuHost =
  host.platform === "linux" &&
  host.uid === 0 &&
  ["qemu-system-x86_64", "qemu-img", "genisoimage", "mkfs.ext4", "ssh", "ssh-keygen"].every((p) =>
    host.which(p),
  );
const imageBuilt = fs.existsSync(path.join(SHARED_DATA_DIR, "images", TEST_IMAGE, "image.json"));
/** CI always runs the VM suites (and fails if it cannot); elsewhere only where they can work. */
export const runVmSuite = process.env.CI === "true" || (qemuHost && imageBuilt);

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

/** Runs the system ssh client; resolves with its exit code and output (255: ssh itself failed). */
export function ssh(address: string, key: string, command: string, timeoutMs: number) {
  const args = [
    ...["-i", key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"],
    ...["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5"],
    `dev@${address}`,
    command,
  ];
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile("ssh", args, { timeout: timeoutMs, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
