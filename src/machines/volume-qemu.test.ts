/**
 * Local volumes on a real qemu VM (TCG): hot-plugged over QMP as a scsi-hd the guest names
 * `/dev/disk/by-id/scsi-0spuff_Volume_<id>`, root disk still vda; the guest formats and mounts it
 * with volume-mount.sh exactly as `up` runs it on a cloud VM; destroying the VM powers the guest
 * off cleanly first, so a file written just before is on the image; the same filesystem then
 * moves to an nspawn machine (host-bound) unformatted, with the file and its owner.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { removeDataDirs, runMachineSuites, TEST_IMAGE, tempDataDir } from "../../test/helpers/machines.ts";
import { generateKeyPair } from "../../test/helpers/sshd.ts";
import { createLocalProvider } from "../providers/local/index.ts";
import type { VolumeOps } from "../providers/types.ts";
import { mountCommand, parseMountOutput } from "../up/volume.ts";
import { MachineEngine } from "./engine.ts";
import { machineLayout } from "./layout.ts";
import { descendantInOtherNetns } from "./procs.ts";
import { ssh } from "./qemu-test-kit.ts";
import { which } from "./run.ts";
import { loopsOf } from "./volume-host.ts";
import { volumeFiles } from "./volumes.ts";

const WS = "/home/dev/workspace";
const canQemu = ["qemu-system-x86_64", "qemu-img", "genisoimage"].every((p) => which(p));

describe.runIf(runMachineSuites && (canQemu || process.env.CI === "true"))(
  "local volumes on qemu machines",
  () => {
    const dir = tempDataDir("qemu-vol");
    const layout = machineLayout(dir);
    const engine = new MachineEngine({ layout });
    const env = { SPUFF_DATA_DIR: dir, SPUFF_LOCAL_BACKEND: "qemu" };
    const ops = createLocalProvider({ token: undefined, env }, engine).volumes as VolumeOps;
    afterAll(() => removeDataDirs([dir]), 180_000);

    it("hot-plugs with a cloud-like name, the guest formats it; a clean poweroff keeps the data for nspawn", async () => {
      const key = path.join(dir, "id_dev");
      const pub = generateKeyPair(key);
      const users = [
        { name: "dev", shell: "/bin/bash", sudo: "ALL=(ALL) NOPASSWD:ALL", ssh_authorized_keys: [pub] },
      ];
      const m = await engine.create({
        name: "qv",
        driver: "qemu",
        image: TEST_IMAGE,
        userData: `#cloud-config\n${stringify({ users })}`,
      });
      expect((fs.statSync(path.join(layout.machineDir(m.id), "qmp.sock")).mode & 0o777).toString(8)).toBe(
        "600",
      );
      await engine.waitSsh(m.id, 300_000);
      let login = await ssh(m.address, key, "true", 20_000);
      for (let i = 0; i < 30 && login.code !== 0; i++) login = await ssh(m.address, key, "true", 20_000);
      expect(login.code, login.stderr).toBe(0);

      const vol = await ops.createVolume({ name: "qv", sizeGb: 1, region: "local" });
      const t0 = Date.now();
      const att = await ops.attachVolume(vol.id, m.id, { timeoutMs: 60_000, mountPath: WS });
      const attachMs = Date.now() - t0;
      expect(att.devicePath).toBe(`/dev/disk/by-id/scsi-0spuff_Volume_${vol.id}`);
      expect(att.mounted).toBeUndefined();
      // A retried attach is the same attach (no second disk).
      await ops.attachVolume(vol.id, m.id, { timeoutMs: 60_000, mountPath: WS });

      // What `up`'s mount_volume phase runs: the guest formats and mounts it, as on a droplet.
      const { command, stdin } = mountCommand(att, "dev");
      const r = spawnSync(
        "ssh",
        [
          ...[
            "-i",
            key,
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
          ],
          ...["-o", "LogLevel=ERROR", `dev@${m.address}`, command],
        ],
        { input: stdin, encoding: "utf8", timeout: 120_000 },
      );
      expect(r.stderr).toBe("");
      const result = parseMountOutput(r.stdout, att);
      expect(result.formatted).toBe(true);
      const work = await ssh(
        m.address,
        key,
        `echo written-last > ${WS}/notes && stat -c %U ${WS}/notes && findmnt -no SOURCE ${WS} && findmnt -no SOURCE /`,
        60_000,
      );
      expect(work.stdout).toBe("dev\n/dev/sda\n/dev/vda\n");

      const d0 = Date.now();
      await engine.destroy(m.id); // clean poweroff over QMP, then the VM goes; the volume stays
      const downMs = Date.now() - d0;
      expect((await ops.findVolume("qv"))?.attachedTo).toEqual([]);
      const image = volumeFiles(layout, vol.id).image;
      expect(execFileSync("blkid", ["-s", "UUID", "-o", "value", image], { encoding: "utf8" }).trim()).toBe(
        result.uuid,
      );
      expect(loopsOf(image)).toEqual([]);

      // The same filesystem on an nspawn machine: bound by the host, not formatted, file and owner kept.
      const nspawn = createLocalProvider({ token: undefined, env: { SPUFF_DATA_DIR: dir } }, engine)
        .volumes as VolumeOps;
      const n = await engine.create({
        name: "nv",
        image: TEST_IMAGE,
        userData: `#cloud-config\n${stringify({ users })}`,
      });
      const there = await nspawn.attachVolume(vol.id, n.id, { timeoutMs: 60_000, mountPath: WS });
      expect(there.mounted).toEqual({ path: WS, fsUuid: result.uuid, formatted: false });
      const leader = descendantInOtherNetns(engine.require(n.id).pid as number) as number;
      const seen = spawnSync(
        "nsenter",
        ["-t", String(leader), "-a", "--", "stat", "-c", "%U %n", `${WS}/notes`],
        {
          encoding: "utf8",
        },
      );
      expect(seen.stdout).toBe(`dev ${WS}/notes\n`);
      expect(
        spawnSync("nsenter", ["-t", String(leader), "-a", "--", "cat", `${WS}/notes`], { encoding: "utf8" })
          .stdout,
      ).toBe("written-last\n");
      await engine.destroy(n.id);
      await ops.deleteVolume(vol.id);
      expect(await ops.listVolumes()).toEqual([]);
      console.log(`qemu volume: hot-plug ${attachMs} ms, down with clean poweroff ${downMs} ms`);
    }, 600_000);
  },
);
