/**
 * Loopback addresses for machines: 127.0.0.2 … 127.0.0.254, each claimed by an O_EXCL file that
 * names its machine, so concurrent creators never share one and a crash leaves a readable claim.
 */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { readDirOrEmpty } from "../core/read-dir.ts";
import type { MachineLayout } from "./layout.ts";

export const FIRST_HOST = 2;
export const LAST_HOST = 254;

/** Claims hold the machine's folder path: unique across data dirs. */
export function claimAddress(layout: MachineLayout, machineId: string): string {
  const owner = layout.machineDir(machineId);
  fs.mkdirSync(layout.addressesDir, { recursive: true, mode: 0o700 });
  for (let n = FIRST_HOST; n <= LAST_HOST; n++) {
    const address = `127.0.0.${n}`;
    try {
      fs.writeFileSync(path.join(layout.addressesDir, address), owner, { flag: "wx", mode: 0o600 });
      return address;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  throw new UserError(
    "machines_out_of_addresses",
    `All ${LAST_HOST - FIRST_HOST + 1} local machine addresses (127.0.0.${FIRST_HOST}-${LAST_HOST}) are in use.`,
    {
      hint: "Destroy machines you no longer need (spuff local list, spuff local destroy ID), or run spuff local gc.",
    },
  );
}

/** Frees the address only if `machineId` still holds it. */
export function releaseAddress(layout: MachineLayout, address: string, machineId: string): void {
  const file = path.join(layout.addressesDir, address);
  try {
    if (fs.readFileSync(file, "utf8") === layout.machineDir(machineId)) fs.rmSync(file);
  } catch {
    // Already free.
  }
}

/**
 * Claims whose machine folder no longer exists, or that are empty (a creator killed inside the
 * claim's write). Creators make their folder before claiming, so a live creation is never stale.
 */
export function staleClaims(layout: MachineLayout): { address: string; owner: string }[] {
  return readDirOrEmpty(layout.addressesDir)
    .map((address) => ({ address, owner: readClaim(layout, address) }))
    .filter((c) => !c.owner || !fs.existsSync(c.owner));
}

function readClaim(layout: MachineLayout, address: string): string {
  try {
    return fs.readFileSync(path.join(layout.addressesDir, address), "utf8");
  } catch {
    return "";
  }
}

/** Frees a stale claim (gc), unless someone re-claimed it meanwhile. */
export function releaseStaleClaim(layout: MachineLayout, address: string, owner: string): void {
  const file = path.join(layout.addressesDir, address);
  try {
    if (fs.readFileSync(file, "utf8") === owner) fs.rmSync(file);
  } catch {
    // Already free.
  }
}
