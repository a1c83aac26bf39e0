/**
 * Local volume records (no root, no machine): a volume folder appears with its record and image
 * in one rename, so a record never names a missing image; racing creates of one name make one
 * volume; an interrupted create or delete is never listed and gc removes it; images only grow;
 * ids are checked before they name a path.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type MachineLayout, machineLayout } from "./layout.ts";
import { gcVolumes } from "./volume-attach.ts";
import {
  createVolume,
  findVolumeByName,
  growImage,
  listVolumes,
  readVolume,
  removeVolumeDir,
  volumeFiles,
} from "./volumes.ts";

let dir: string;
let layout: MachineLayout;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-volrec-"));
  layout = machineLayout(dir);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A PID that is certainly not running (beyond the kernel's default pid_max range). */
const DEAD_PID = 4_194_304 + 7;

describe("local volume records", () => {
  it("a sparse 0600 image in a 0700 folder with its record; one volume per name, even racing", async () => {
    const made = await Promise.all([1, 2, 3].map(() => createVolume(layout, "w", 10)));
    expect(new Set(made.map((v) => v.id)).size).toBe(1);
    const [v] = listVolumes(layout);
    expect(v).toMatchObject({ name: "w", sizeGb: 10 });
    const f = volumeFiles(layout, v?.id as string);
    const st = fs.statSync(f.image);
    expect(st.size).toBe(10 * 1024 ** 3);
    expect(st.blocks).toBe(0); // sparse: nothing written yet
    expect(st.mode & 0o777).toBe(0o600);
    expect(fs.statSync(f.dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(layout.volumesDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(f.mnt).mode & 0o777).toBe(0o700);
  });

  it("grows, never shrinks", async () => {
    const v = await createVolume(layout, "g", 1);
    expect(growImage(layout, v, 1)).toBe(v);
    const grown = growImage(layout, v, 3);
    expect(fs.statSync(volumeFiles(layout, v.id).image).size).toBe(3 * 1024 ** 3);
    expect(readVolume(layout, v.id)?.sizeGb).toBe(3);
    expect(growImage(layout, grown, 2).sizeGb).toBe(3);
    expect(fs.statSync(volumeFiles(layout, v.id).image).size).toBe(3 * 1024 ** 3);
  });

  it("an interrupted create or delete is never listed, and gc removes it; ids are checked", async () => {
    fs.mkdirSync(layout.volumesDir, { recursive: true });
    // What a creator killed before its rename leaves: a staging folder, a record, part of an image.
    const staging = path.join(layout.volumesDir, `.new-v-00000000aa-${DEAD_PID}`);
    fs.mkdirSync(staging);
    fs.writeFileSync(path.join(staging, "volume.json"), JSON.stringify({ id: "v-00000000aa", name: "x" }));
    const kept = await createVolume(layout, "kept", 1);
    const deleting = await createVolume(layout, "going", 1);
    removeVolumeDir(layout, deleting.id);
    // A deleter killed after its rename: the folder under its deletion name, with the image.
    const half = path.join(layout.volumesDir, `.del-v-00000000bb-${DEAD_PID}`);
    fs.mkdirSync(half);
    fs.writeFileSync(path.join(half, "disk.img"), "");
    expect(listVolumes(layout).map((v) => v.name)).toEqual(["kept"]);
    expect(findVolumeByName(layout, "going")).toBeUndefined();
    expect(await gcVolumes(layout)).toEqual({ volumes: [], mounts: [] });
    expect(fs.existsSync(staging) || fs.existsSync(half)).toBe(false);
    expect(listVolumes(layout).map((v) => v.id)).toEqual([kept.id]);
    for (const bad of ["../x", "v-../../etc", "v-0123456789/..", ""])
      expect(() => volumeFiles(layout, bad)).toThrow(/Invalid local volume id/);
  });
});
