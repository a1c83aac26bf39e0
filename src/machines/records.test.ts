import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { machineLayout } from "./layout.ts";
import { abandonedStagingDirs, createMachineDir, listMachineDirs } from "./records.ts";
import type { MachineRecord } from "./types.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function record(id: string): MachineRecord {
  return {
    id,
    name: "r",
    driver: "nspawn",
    image: "debian-12",
    address: "",
    instanceId: "i-1",
    state: "creating",
    creatorPid: process.pid,
    labels: {},
    createdAt: new Date(0).toISOString(),
  };
}

describe("machine folders", () => {
  it("appear together with their record; nothing is left under a staging name", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-records-"));
    dirs.push(dir);
    const layout = machineLayout(dir);
    createMachineDir(layout, record("m-0123456789"));
    expect(listMachineDirs(layout)).toEqual([{ id: "m-0123456789", record: record("m-0123456789") }]);
    expect(fs.readdirSync(layout.machinesDir)).toEqual(["m-0123456789"]);
  });

  it("a staging folder counts as abandoned only once its creator is dead", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-records-"));
    dirs.push(dir);
    const layout = machineLayout(dir);
    fs.mkdirSync(path.join(layout.machinesDir, ".new-m-aaaaaaaaaa-111"), { recursive: true });
    fs.mkdirSync(path.join(layout.machinesDir, ".new-m-bbbbbbbbbb-222"), { recursive: true });
    fs.mkdirSync(path.join(layout.machinesDir, "m-cccccccccc"), { recursive: true });
    const alive = (pid: number) => pid === 222;
    expect(abandonedStagingDirs(layout, alive)).toEqual([
      path.join(layout.machinesDir, ".new-m-aaaaaaaaaa-111"),
    ]);
    // Staging folders are never listed as machines.
    expect(listMachineDirs(layout).map((d) => d.id)).toEqual(["m-cccccccccc"]);
  });
});
