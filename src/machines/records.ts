/** machine.json in each machine's folder: the only state of the engine, rewritten atomically. */
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import type { MachineLayout } from "./layout.ts";
import type { MachineRecord } from "./types.ts";

const RECORD = "machine.json";

export function writeRecord(layout: MachineLayout, m: MachineRecord): void {
  writeFileAtomic(path.join(layout.machineDir(m.id), RECORD), `${JSON.stringify(m, null, 2)}\n`);
}

export function readRecord(layout: MachineLayout, id: string): MachineRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(layout.machineDir(id), RECORD), "utf8")) as MachineRecord;
  } catch {
    return undefined;
  }
}

/** Every machine folder, with its record when one was written (a folder without is debris). */
export function listMachineDirs(layout: MachineLayout): { id: string; record: MachineRecord | undefined }[] {
  let names: string[];
  try {
    names = fs.readdirSync(layout.machinesDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^m-[0-9a-f]{10}$/.test(n))
    .sort()
    .map((id) => ({ id, record: readRecord(layout, id) }));
}
