/**
 * Work that outlives the machine on the `local` provider, with the real binary and a real
 * user-namespaced nspawn machine: the host formats the volume's image once and binds it in
 * idmapped at ~/workspace (a guest in a user namespace cannot mount ext4). `up --volume w:10` →
 * a commit in ~/workspace → `down` (kept, detached) → `up --volume w` on a new machine → the
 * commit is there and the filesystem UUID (read on the host image) is unchanged →
 * `down --delete-volume --yes` → `volume list` no longer lists it; no loop device, no host mount.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { machineLayout } from "../../src/machines/layout.ts";
import { initJourney, newJourney } from "../helpers/journey.ts";
import { leftovers, NOTHING_LEFT, removeDataDirs, runMachineSuites } from "../helpers/machines.ts";

const dirs: string[] = [];
afterAll(() => removeDataDirs(dirs), 120_000);

describe.runIf(runMachineSuites)("workspace volume across machines (local, nspawn)", () => {
  it("keeps a commit and the filesystem across down and up; --delete-volume removes the image", async () => {
    const j = newJourney("vol-local");
    dirs.push(j.dir);
    await initJourney(j, "local");
    const run = j.run;
    const hostUuid = (image: string) =>
      execFileSync("blkid", ["-s", "UUID", "-o", "value", image], { encoding: "utf8" }).trim();

    const up1 = await run(["up", "v1", "--volume", "w:10", "--no-connect", "--json"], 300_000);
    expect(up1.code, up1.stderr + up1.stdout).toBe(0);
    const events = up1.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const mount = events.find((e) => e.phase === "mount_volume" && e.status === "done");
    expect(mount?.detail).toMatch(/^w on ~\/workspace, 10 GB, formatted \(new volume\), UUID /);
    const [vol] = JSON.parse((await run(["volume", "list", "--json"])).stdout);
    expect(vol).toMatchObject({ name: "w", size_gb: 10, region: "local", known: true });
    expect(vol.attached_to).toHaveLength(1);
    const image = vol.device as string;
    expect(fs.statSync(image).mode & 0o777).toBe(0o600);
    const uuid = hostUuid(image);
    expect(mount.detail).toContain(uuid);

    const work = await run([
      "exec",
      "v1",
      "--",
      "sh",
      "-c",
      "cd ~/workspace && git init -q r && cd r && echo kept > notes.txt && git add notes.txt && " +
        "git -c user.email=d@e -c user.name=d commit -qm 'work in progress' && " +
        "stat -c %U ~/workspace ~/workspace/r/notes.txt && findmnt -no FSTYPE ~/workspace && " +
        "(grep -F /workspace /etc/fstab || echo no-fstab-line)",
    ]);
    expect(work.code, work.stderr).toBe(0);
    expect(work.stdout).toBe("dev\ndev\next4\nno-fstab-line\n");

    const down1 = await run(["down", "v1", "--yes"], 120_000);
    expect(down1.code, down1.stderr).toBe(0);
    expect(down1.stdout).toContain("Kept volume w (10 GB): detached and intact per local");
    expect(JSON.parse((await run(["volume", "list", "--json"])).stdout)[0].attached_to).toEqual([]);

    const up2 = await run(["up", "v2", "--volume", "w", "--no-connect", "--json"], 300_000);
    expect(up2.code, up2.stderr + up2.stdout).toBe(0);
    expect(up2.stdout).toContain("existing filesystem");
    const back = await run([
      "exec",
      "v2",
      "--",
      "sh",
      "-c",
      "cd ~/workspace/r && cat notes.txt && git log --format=%s",
    ]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toBe("kept\nwork in progress\n");
    expect(hostUuid(image)).toBe(uuid);

    const down2 = await run(["down", "v2", "--delete-volume", "--yes", "--discard-unsaved"], 120_000);
    expect(down2.code, down2.stderr).toBe(0);
    expect(down2.stdout).toContain("Deleted volume w (10 GB); local no longer lists it");
    expect(JSON.parse((await run(["volume", "list", "--json"])).stdout)).toEqual([]);
    expect(fs.existsSync(image)).toBe(false);
    expect(execFileSync("losetup", ["-a"], { encoding: "utf8" })).not.toContain(j.dir);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(j.dir);
    expect(leftovers(machineLayout(j.dir))).toEqual(NOTHING_LEFT);
  }, 600_000);
});
