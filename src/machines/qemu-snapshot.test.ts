/**
 * qemu snapshots through qcow2 backing files: a machine's changes saved as a qcow2 backed by the
 * disk it booted from, and a machine booted from that snapshot (real TCG/KVM VMs, the shared image).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { leftovers, NOTHING_LEFT, TEST_IMAGE, tempDataDir } from "../../test/helpers/machines.ts";
import { generateKeyPair } from "../../test/helpers/sshd.ts";
import { MachineEngine } from "./engine.ts";
import { type MachineLayout, machineLayout } from "./layout.ts";
import { baseDiskOf } from "./qemu-disk.ts";
import { runVmSuite, ssh } from "./qemu-test-kit.ts";

describe.runIf(runVmSuite)("qemu snapshots", () => {
  let dataDir: string;
  let layout: MachineLayout;
  let engine: MachineEngine;
  beforeAll(() => {
    dataDir = tempDataDir("qemu-snap");
    layout = machineLayout(dataDir);
    engine = new MachineEngine({ layout });
  });
  afterAll(async () => {
    for (const m of engine.list()) await engine.destroy(m.id);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("snapshot: a qcow2 of the changes backed by the base disk; a machine from it boots them", async () => {
    const key = path.join(dataDir, "id_snap");
    const pub = generateKeyPair(key);
    const userData = `#cloud-config\n${stringify({
      users: [
        { name: "dev", shell: "/bin/bash", sudo: "ALL=(ALL) NOPASSWD:ALL", ssh_authorized_keys: [pub] },
      ],
    })}`;
    const login = async (address: string) => {
      let r = await ssh(address, key, "true", 20_000);
      for (let i = 0; i < 90 && r.code === 255; i++) {
        await new Promise((res) => setTimeout(res, 2000));
        r = await ssh(address, key, "true", 20_000);
      }
      expect(r.code).toBe(0);
    };
    const src = await engine.create({ name: "qsrc", userData, image: TEST_IMAGE, driver: "qemu" });
    await engine.waitSsh(src.id, 600_000);
    await login(src.address);
    const put = await ssh(
      src.address,
      key,
      "echo kept-by-the-snapshot | sudo -n tee /opt/marker >/dev/null && sync",
      60_000,
    );
    expect(put.code, put.stderr).toBe(0);
    const snapName = `qsnap-${process.pid}`;
    const manifest = await engine.snapshot(src.id, snapName);
    expect(manifest).toMatchObject({ kind: "snapshot", base: TEST_IMAGE, backend: "qemu" });
    const disk = path.join(layout.imageDir(snapName), "layer", "disk.qcow2");
    const info = JSON.parse(
      execFileSync("qemu-img", ["info", "-U", "--output=json", disk], { encoding: "utf8" }),
    );
    expect(info["backing-filename"]).toBe(fs.realpathSync(baseDiskOf(layout.imageDir(TEST_IMAGE)).disk));
    // Only the changes: far below the base disk's ≈1 GB.
    expect(info["actual-size"]).toBeLessThan(512 * 1024 ** 2);
    await engine.destroy(src.id);

    const copy = await engine.create({ name: "qcopy", userData, image: snapName, driver: "qemu" });
    await engine.waitSsh(copy.id, 600_000);
    await login(copy.address);
    const got = await ssh(copy.address, key, "cat /opt/marker", 20_000);
    expect(got.stdout).toBe("kept-by-the-snapshot\n");
    await engine.destroy(copy.id);
    fs.rmSync(fs.realpathSync(layout.imageDir(snapName)), { recursive: true, force: true });
    expect(leftovers(layout)).toEqual(NOTHING_LEFT);
  }, 1_500_000);
});
