/** machine.json in each machine's folder: the only state of the engine, rewritten atomically. */
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import { readDirOrEmpty } from "../core/read-dir.ts";
import type { MachineLayout } from "./layout.ts";
import type { MachineRecord } from "./types.ts";

const RECORD = "machine.json";

export function writeRecord(layout: MachineLayout, m: MachineRecord): void {
  writeFileAtomic(path.join(layout.machineDir(m.id), RECORD), `${JSON.stringify(m, null, 2)}\n`);
}

/** Staging folders are named after their creator's PID, so gc can tell an abandoned one. */
const STAGING = /^\.new-(m-[0-9a-f]{10})-(\d+)$/;

/**
 * Makes a machine's folder with its first record in one step: the folder is built under a
 * staging name and renamed into place, so no machine folder ever exists without a record (a
 * creator killed between "mkdir" and "write the record" leaves only a staging folder).
 */
export function createMachineDir(layout: MachineLayout, m: MachineRecord): void {
  fs.mkdirSync(layout.machinesDir, { recursive: true, mode: 0o700 });
  const staging = path.join(layout.machinesDir, `.new-${m.id}-${process.pid}`);
  fs.mkdirSync(staging, { mode: 0o700 });
  writeFileAtomic(path.join(staging, RECORD), `${JSON.stringify(m, null, 2)}\n`);
  fs.renameSync(staging, layout.machineDir(m.id));
}

/** Staging folders left by creators that died before renaming them into place. */
export function abandonedStagingDirs(layout: MachineLayout, isAlive: (pid: number) => boolean): string[] {
  return readDirOrEmpty(layout.machinesDir)
    .filter((n) => {
      const m = STAGING.exec(n);
      return m !== null && !isAlive(Number(m[2]));
    })
    .map((n) => path.join(layout.machinesDir, n));
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
  return readDirOrEmpty(layout.machinesDir)
    .filter((n) => /^m-[0-9a-f]{10}$/.test(n))
    .sort()
    .map((id) => ({ id, record: readRecord(layout, id) }));
}
