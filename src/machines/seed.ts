/** The NoCloud seed: the user-data bytes exactly as given, and meta-data built as data. */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { stringify } from "yaml";

export function newInstanceId(): string {
  return `i-${randomBytes(8).toString("hex")}`;
}

export interface SeedFiles {
  "user-data": string;
  "meta-data": string;
}

export function seedFiles(userData: string, instanceId: string, hostname: string): SeedFiles {
  return {
    "user-data": userData,
    "meta-data": stringify({ "instance-id": instanceId, "local-hostname": hostname }, { version: "1.1" }),
  };
}

/** Writes the seed into a folder (nspawn: <root>/var/lib/cloud/seed/nocloud; qemu: the ISO's source). */
export function writeSeedDir(dir: string, files: SeedFiles): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), content, { mode: 0o600 });
  }
}

/** A hostname cloud-init accepts from an instance name (letters, digits, dashes; ≤ 63). */
export function hostnameFor(name: string): string {
  const h = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
  return h || "spuff";
}
