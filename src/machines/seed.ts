/** The NoCloud seed: the user-data bytes exactly as given, and meta-data built as data. */
import { randomBytes } from "node:crypto";
import { stringify } from "yaml";
import { type Owner, writeFileBeneath } from "./guest-fs.ts";

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

/** Where NoCloud looks for its seed inside a root filesystem. */
export const NOCLOUD_SEED = "var/lib/cloud/seed/nocloud";

/**
 * Writes the seed below `root` (nspawn: the machine's root and NOCLOUD_SEED; qemu: its folder
 * and the ISO's source dir) without following any link on the way: in a snapshot's layer or a
 * machine's root, every directory on the path may be the guest's (guest-fs.ts). `owner`: the
 * guest's root when the machine has its own user namespace, so cloud-init can read it.
 */
export function writeSeed(root: string, rel: string, files: SeedFiles, owner?: Owner): void {
  for (const [name, content] of Object.entries(files)) {
    writeFileBeneath(root, `${rel}/${name}`, content, { mode: 0o600, ...(owner ? { owner } : {}) });
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
