/**
 * Local volumes on real user-namespaced nspawn machines, through the local provider's VolumeOps:
 * the host formats a blank image once, binds it idmapped at the dev user's ~/workspace, the data
 * keeps real uids on disk and moves to another machine with its filesystem; detach, machine
 * death and gc leave no host mount and no loop device; a guest-planted link at ~/workspace (or
 * at the home) is refused, never followed; an attach killed mid-way (even while its mkfs runs)
 * never gets the volume formatted twice.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { removeDataDirs, runMachineSuites, TEST_IMAGE, tempDataDir } from "../../test/helpers/machines.ts";
import { createLocalProvider } from "../providers/local/index.ts";
import type { VolumeOps } from "../providers/types.ts";
import { MachineEngine } from "./engine.ts";
import { machineLayout } from "./layout.ts";
import { isMounted } from "./mounts.ts";
import { descendantInOtherNetns } from "./procs.ts";
import { loopsOf, toolsOn } from "./volume-host.ts";
import { readVolume, volumeFiles } from "./volumes.ts";

const ATTACH_FIXTURE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../test/fixtures/attach-volume.ts",
);

const USER_DATA = "#cloud-config\nusers:\n  - name: dev\n    shell: /bin/bash\n";
const WS = "/home/dev/workspace";
const W = { timeoutMs: 60_000, mountPath: WS };

describe.runIf(runMachineSuites)("local volumes on nspawn machines", () => {
  const dir = tempDataDir("local-vol");
  const layout = machineLayout(dir);
  const engine = new MachineEngine({ layout });
  const ops = createLocalProvider({ token: undefined, env: { SPUFF_DATA_DIR: dir } }, engine)
    .volumes as VolumeOps;
  afterAll(() => removeDataDirs([dir]), 120_000);

  const boot = () => engine.create({ name: `t${Date.now()}`, userData: USER_DATA, image: TEST_IMAGE });
  /** A shell command inside the machine, as its root (all of its namespaces). */
  const guest = (id: string, script: string) => {
    const pid = engine.require(id).pid as number;
    const leader = descendantInOtherNetns(pid) as number;
    return spawnSync("nsenter", ["-t", String(leader), "-a", "--", "sh", "-c", script], {
      encoding: "utf8",
      timeout: 30_000,
    });
  };
  const hostClean = (id: string) => {
    const f = volumeFiles(layout, id);
    expect(isMounted(f.mnt)).toBe(false);
    expect(loopsOf(f.image)).toEqual([]);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(layout.volumesDir);
  };

  it("formats once, binds idmapped, keeps real uids, moves machines with its UUID; nothing left", async () => {
    const vol = await ops.createVolume({ name: "w", sizeGb: 2, region: "local" });
    expect(fs.statSync(volumeFiles(layout, vol.id).image).mode & 0o777).toBe(0o600);
    expect(fs.statSync(volumeFiles(layout, vol.id).dir).mode & 0o777).toBe(0o700);
    expect((await ops.createVolume({ name: "w", sizeGb: 5, region: "local" })).id).toBe(vol.id);

    const a = await boot();
    const att = await ops.attachVolume(vol.id, a.id, W);
    expect(att.attachedTo).toEqual([a.id]);
    expect(att.mounted).toMatchObject({ path: WS, formatted: true });
    const uuid = att.mounted?.fsUuid as string;
    expect(
      execFileSync("blkid", ["-s", "UUID", "-o", "value", att.devicePath], { encoding: "utf8" }).trim(),
    ).toBe(uuid);
    // A retried attach is the same attach.
    expect((await ops.attachVolume(vol.id, a.id, W)).mounted?.fsUuid).toBe(uuid);
    const w = guest(
      a.id,
      `findmnt -no FSTYPE,OPTIONS ${WS} && chown dev: ${WS} && su dev -c 'echo kept > ${WS}/notes' && stat -c %U ${WS}/notes`,
    );
    expect(w.stderr).toBe("");
    expect(w.stdout).toMatch(/^ext4 .*idmapped.*\ndev\n$/);
    // On disk the file is uid 1000 (dev), not the machine's shifted uid: the volume can move.
    expect(fs.statSync(`${volumeFiles(layout, vol.id).mnt}/notes`).uid).toBe(1000);
    await expect(ops.deleteVolume(vol.id)).rejects.toThrow(/attached to instance/);

    // A mount namespace made on the host while the volume is mounted there (what `ip netns exec`
    // does for a qemu machine started meanwhile) holds a copy of the host mount; with a private
    // "/" (as on this host and CI) the host's unmount does not reach it, so detach must.
    const holder = spawn("unshare", ["--mount", "--propagation", "private", "sleep", "300"], {
      stdio: "ignore",
    });
    try {
      const copied = () => {
        try {
          return fs
            .readFileSync(`/proc/${holder.pid}/mountinfo`, "utf8")
            .includes(volumeFiles(layout, vol.id).mnt);
        } catch {
          return false;
        }
      };
      for (let i = 0; i < 50 && !copied(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(copied()).toBe(true);
      const detached = await ops.detachVolume(vol.id, a.id, W);
      expect(detached.attachedTo).toEqual([]);
      hostClean(vol.id);
      expect(copied()).toBe(false);
    } finally {
      holder.kill("SIGKILL");
    }
    expect(guest(a.id, `mountpoint -q ${WS} || echo gone`).stdout).toBe("gone\n");

    const grown = await ops.resizeVolume(vol.id, 3, W);
    expect(grown.sizeGb).toBe(3);
    const b = await boot();
    const again = await ops.attachVolume(vol.id, b.id, W);
    expect(again.mounted).toEqual({ path: WS, fsUuid: uuid, formatted: false });
    const r = guest(b.id, `cat ${WS}/notes && stat -c %U ${WS}/notes`);
    expect(r.stdout).toBe("kept\ndev\n");
    // The filesystem grew to the image at this attach (it was detached when resized).
    const sb = execFileSync("dumpe2fs", ["-h", again.devicePath], { encoding: "utf8", stdio: "pipe" });
    const n = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)$`, "m").exec(sb)?.[1]);
    expect(n("Block count") * n("Block size")).toBe(3 * 1024 ** 3);
    // Machine A may not take it while B has it.
    await expect(ops.attachVolume(vol.id, a.id, W)).rejects.toThrow(/attached to machine/);

    await engine.destroy(b.id); // what `down` does: the volume is released with the machine
    expect((await ops.findVolume("w"))?.attachedTo).toEqual([]);
    hostClean(vol.id);
    await engine.destroy(a.id);
    await ops.deleteVolume(vol.id);
    expect(await ops.listVolumes()).toEqual([]);
    expect(fs.readdirSync(layout.volumesDir).filter((n) => !n.endsWith(".lock"))).toEqual([]);
  }, 240_000);

  it("a machine killed with the volume in it: gc releases it, the data stays for the next machine", async () => {
    const vol = await ops.createVolume({ name: "crash", sizeGb: 1, region: "local" });
    const a = await boot();
    await ops.attachVolume(vol.id, a.id, W);
    guest(a.id, `echo before-crash > ${WS}/f && sync`);
    process.kill(engine.require(a.id).pid as number, "SIGKILL");
    await new Promise((r) => setTimeout(r, 1000));
    const report = await engine.gc();
    expect(report.volumes).toEqual(["crash"]);
    hostClean(vol.id);
    const b = await boot();
    expect((await ops.attachVolume(vol.id, b.id, W)).mounted?.formatted).toBe(false);
    expect(guest(b.id, `cat ${WS}/f`).stdout).toBe("before-crash\n");
    await engine.destroy(b.id);
    await ops.deleteVolume(vol.id);
    hostClean(vol.id);
  }, 240_000);

  it("a guest-planted link at ~/workspace or at the home is refused, nothing mounted anywhere", async () => {
    const vol = await ops.createVolume({ name: "hostile", sizeGb: 1, region: "local" });
    const m = await boot();
    // Wait for the dev user, then plant the links a hostile guest root would.
    expect(
      guest(m.id, "for i in $(seq 1 300); do [ -d /home/dev ] && break; sleep 0.1; done; ls -d /home/dev")
        .status,
    ).toBe(0);
    const planted = [
      "ln -s /etc /home/dev/workspace",
      "mv /home/dev /home/real && ln -s /home/real /home/dev",
    ];
    for (const plant of planted) {
      expect(guest(m.id, plant).status).toBe(0);
      await expect(ops.attachVolume(vol.id, m.id, W)).rejects.toThrow(/Refusing .*workspace/);
      expect((await ops.findVolume("hostile"))?.attachedTo).toEqual([]);
      hostClean(vol.id);
      // Neither the guest's /etc (where the link points, its own tree) nor anything on the host.
      expect(
        guest(m.id, "mountpoint -q /etc || echo no; mountpoint -q /home/real/workspace || echo no").stdout,
      ).toBe("no\nno\n");
    }
    expect(isMounted("/etc")).toBe(false);
    await engine.destroy(m.id);
    await ops.deleteVolume(vol.id);
  }, 180_000);

  it("an attach killed while its mkfs runs: the next one waits for that mkfs, then formats nothing again", async () => {
    const vol = await ops.createVolume({ name: "mkfs-killed", sizeGb: 1, region: "local" });
    const m = await boot();
    const f = volumeFiles(layout, vol.id);
    // First on the killed attach's PATH: an mkfs.ext4 that says it started, then takes 2 s before
    // the real one runs, so the kill surely lands while it works (the next attach uses the real one).
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-slow-mkfs-"));
    const started = path.join(bin, "started");
    fs.writeFileSync(
      path.join(bin, "mkfs.ext4"),
      `#!/bin/sh\n: > '${started}'\nsleep 2\nexec ${execFileSync("sh", ["-c", "command -v mkfs.ext4"], { encoding: "utf8" }).trim()} "$@"\n`,
      { mode: 0o755 },
    );
    try {
      const child = spawn(process.execPath, ["--import", "tsx", ATTACH_FIXTURE, dir, vol.id, m.id], {
        stdio: "ignore",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      const exited = new Promise((r) => child.once("exit", r));
      for (let i = 0; i < 600 && !fs.existsSync(started); i++) await new Promise((r) => setTimeout(r, 100));
      expect(fs.existsSync(started), "the attach never reached mkfs").toBe(true);
      child.kill("SIGKILL");
      await exited;
      expect(toolsOn(f.image).length, "its mkfs outlives the killed attach").toBeGreaterThan(0);

      const att = await ops.attachVolume(vol.id, m.id, W);
      expect(toolsOn(f.image)).toEqual([]);
      expect(guest(m.id, `echo kept > ${WS}/marker && sync`).status).toBe(0);
      await ops.detachVolume(vol.id, m.id, W);
      const again = await ops.attachVolume(vol.id, m.id, W);
      expect(again.mounted?.fsUuid).toBe(att.mounted?.fsUuid);
      expect(guest(m.id, `cat ${WS}/marker`).stdout).toBe("kept\n");
      await ops.detachVolume(vol.id, m.id, W);
      hostClean(vol.id);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
    await engine.destroy(m.id);
    await ops.deleteVolume(vol.id);
  }, 180_000);

  it("an attach SIGKILLed at random moments never formats twice nor loses data; a detach always cleans", async () => {
    const vol = await ops.createVolume({ name: "killed", sizeGb: 1, region: "local" });
    const m = await boot();
    const f = volumeFiles(layout, vol.id);
    const random = seeded(16);
    let uuid: string | undefined;
    let written = false;
    const outcomes = { before: 0, midway: 0, done: 0 };
    for (let i = 0; i < 8; i++) {
      const child = spawn(process.execPath, ["--import", "tsx", ATTACH_FIXTURE, dir, vol.id, m.id], {
        stdio: ["ignore", "pipe", "ignore"],
      });
      const exited = new Promise((r) => child.once("exit", r));
      let out = "";
      child.stdout.on("data", (b: Buffer) => {
        out += b.toString();
      });
      await new Promise<void>((r) => child.stdout.once("data", () => r()));
      await new Promise((r) => setTimeout(r, Math.floor(random() * 700)));
      child.kill("SIGKILL");
      await exited;
      await new Promise((r) => setTimeout(r, 500)); // a host tool it started may still finish
      const rec = readVolume(layout, vol.id);
      if (out.includes("attached")) outcomes.done++;
      else if (rec?.attachment) outcomes.midway++;
      else outcomes.before++;
      // Either not attached (then nothing of it is mounted anywhere) or attached to m: never elsewhere.
      if (!rec?.attachment) expect(isMounted(f.mnt), `iteration ${i}`).toBe(false);
      else expect(rec.attachment.machine).toBe(m.id);
      // What `down` or a retry does: a detach always leaves the host clean.
      await ops.detachVolume(vol.id, m.id, W);
      hostClean(vol.id);
      expect(guest(m.id, `mountpoint -q ${WS} || echo no`).stdout).toBe("no\n");
      const att = await ops.attachVolume(vol.id, m.id, W);
      if (uuid) expect(att.mounted?.fsUuid, `iteration ${i}: formatted again`).toBe(uuid);
      uuid = att.mounted?.fsUuid;
      if (written) expect(guest(m.id, `cat ${WS}/marker`).stdout).toBe("kept\n");
      else written = guest(m.id, `echo kept > ${WS}/marker && sync`).status === 0;
      await ops.detachVolume(vol.id, m.id, W);
    }
    expect(written).toBe(true);
    console.log(`attach kill-point outcomes: ${JSON.stringify(outcomes)}`);
    // The kills must really have hit attaches in progress, not only finished ones.
    expect(outcomes.midway).toBeGreaterThanOrEqual(1);
    await engine.destroy(m.id);
    await ops.deleteVolume(vol.id);
    hostClean(vol.id);
  }, 300_000);
});

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so a failing run can be repeated. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
