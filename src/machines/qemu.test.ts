/**
 * The qemu driver. Its command line and teardown run everywhere (the disk and the accelerator
 * have their own tests); the VM test boots the real image (TCG, or KVM where it works) and logs
 * in with the system ssh client.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { leftovers, NOTHING_LEFT, TEST_IMAGE, tempDataDir } from "../../test/helpers/machines.ts";
import { generateKeyPair } from "../../test/helpers/sshd.ts";
import { MachineEngine } from "./engine.ts";
import { imageLayers } from "./image.ts";
import { type MachineLayout, machineLayout } from "./layout.ts";
import { isProcessAlive, pidsMentioning } from "./procs.ts";
import { machineFiles, qemuArgs, qemuDriver } from "./qemu.ts";
import { type AccelVerdict, accelCacheFile, resolveAccel } from "./qemu-accel.ts";
import { baseDiskOf, ensureBaseDisk } from "./qemu-disk.ts";
import { launchPrefix, setUpQemuNetwork } from "./qemu-net.ts";
import { runVmSuite, ssh, tmpDir, values } from "./qemu-test-kit.ts";
import { seedFiles } from "./seed.ts";
import type { MachineRecord } from "./types.ts";

function recordFor(id: string, patch: Partial<MachineRecord> = {}): MachineRecord {
  return {
    id,
    name: "t",
    driver: "qemu",
    image: TEST_IMAGE,
    address: "127.0.0.9",
    instanceId: "i-0",
    state: "creating",
    creatorPid: process.pid,
    labels: {},
    createdAt: new Date().toISOString(),
    ...patch,
  };
}

describe("qemu command line", () => {
  const files = machineFiles("/data/machines/m-0123456789");
  const base = baseDiskOf("/data/images/debian-12");
  const vm = { id: "m-0123456789", accel: "tcg" as const, base, files };

  it("forwards only guest :22, inside its own network namespace (slirp4netns brings 127.0.0.N:22 there)", async () => {
    const args = qemuArgs(vm);
    expect(values(args, "-netdev")).toEqual(["user,id=n0,hostfwd=tcp:10.0.2.100:2222-:22"]);
    expect(args.filter((a) => /hostfwd|guestfwd/.test(a))).toHaveLength(1);
    for (const exposed of ["-vnc", "-spice", "-monitor", "-gdb", "-s", "-incoming"]) {
      expect(args).not.toContain(exposed);
    }
    // The one control channel: QMP on a unix socket in the machine's own 0700 folder, no TCP.
    expect(values(args, "-qmp")).toEqual(["unix:/data/machines/m-0123456789/qmp.sock,server=on,wait=off"]);
    expect(args.join(" ")).not.toContain("0.0.0.0");
    const layout = machineLayout(tmpDir("net"));
    expect(launchPrefix(layout, vm.id)).toEqual(["ip", "netns", "exec", layout.netnsName(vm.id)]);
    // Checked before any namespace is made.
    for (const bad of ["10.0.0.9", "0.0.0.0"]) {
      await expect(setUpQemuNetwork(layout, vm.id, bad)).rejects.toThrow(/not a loopback address/);
    }
  });

  it("boots the image's kernel directly from the overlay, with the seed ISO, headless", () => {
    const args = qemuArgs(vm);
    expect(args).toContain("-nodefaults");
    expect(values(args, "-display")).toEqual(["none"]);
    expect(values(args, "-kernel")).toEqual(["/data/images/debian-12/disk/vmlinuz"]);
    expect(values(args, "-initrd")).toEqual(["/data/images/debian-12/disk/initrd.img"]);
    expect(values(args, "-append")).toEqual(["root=/dev/vda rw console=ttyS0 net.ifnames=0"]);
    expect(values(args, "-drive")).toEqual([
      "file=/data/machines/m-0123456789/disk.qcow2,if=virtio,format=qcow2",
      "file=/data/machines/m-0123456789/seed.iso,if=virtio,format=raw,readonly=on",
    ]);
    expect(values(args, "-serial")).toEqual(["file:/data/machines/m-0123456789/console.log"]);
    expect(values(args, "-pidfile")).toEqual(["/data/machines/m-0123456789/qemu.pid"]);
    expect(args).toContain("-daemonize");
  });

  it("uses multi-threaded TCG with a bounded translation cache, or KVM with the host CPU", () => {
    const tcg = qemuArgs(vm);
    expect(values(tcg, "-accel")).toEqual(["tcg,thread=multi,tb-size=256"]);
    expect(values(tcg, "-cpu")).toEqual(["max"]);
    expect(values(tcg, "-smp")).toEqual(["2"]);
    const kvm = qemuArgs({ ...vm, accel: "kvm" });
    expect(values(kvm, "-accel")).toEqual(["kvm"]);
    expect(values(kvm, "-cpu")).toEqual(["host"]);
  });

  it("gives the guest the record's memory, 1024 MiB by default", () => {
    expect(values(qemuArgs(vm), "-m")).toEqual(["1024"]);
    expect(values(qemuArgs({ ...vm, memoryMb: 2048 }), "-m")).toEqual(["2048"]);
  });
});

describe("qemu driver without a VM", () => {
  it("refuses snapshot images (nspawn only) before building anything", async () => {
    const layout = machineLayout(tmpDir("snap"));
    for (const m of [
      { name: "debian-12", kind: "base", distro: "debian-12", createdAt: "now" },
      { name: "snap", kind: "snapshot", distro: "debian-12", base: "debian-12", createdAt: "now" },
    ]) {
      fs.mkdirSync(layout.imageDir(m.name), { recursive: true });
      fs.writeFileSync(path.join(layout.imageDir(m.name), "image.json"), JSON.stringify(m));
    }
    const start = qemuDriver.start({
      layout,
      record: recordFor("m-0000000001", { image: "snap" }),
      seed: seedFiles("#cloud-config\n", "i-1", "t"),
      save: () => {},
    });
    await expect(start).rejects.toMatchObject({ code: "qemu_snapshot_unsupported", hint: /nspawn/ });
    expect(fs.existsSync(path.join(layout.imageDir("debian-12"), "disk"))).toBe(false);
  });

  it("a qemu snapshot is a disk: nspawn refuses it (its layers are directories)", () => {
    const layout = machineLayout(tmpDir("qsnap"));
    for (const m of [
      { name: "debian-12", kind: "base", distro: "debian-12", createdAt: "now" },
      {
        name: "q",
        kind: "snapshot",
        distro: "debian-12",
        base: "debian-12",
        backend: "qemu",
        createdAt: "now",
      },
    ]) {
      fs.mkdirSync(layout.imageDir(m.name), { recursive: true });
      fs.writeFileSync(path.join(layout.imageDir(m.name), "image.json"), JSON.stringify(m));
    }
    expect(() => imageLayers(layout, "q")).toThrow(expect.objectContaining({ code: "image_backend" }));
  });

  describe("teardown", () => {
    const children: ChildProcess[] = [];
    afterAll(() => {
      for (const c of children) c.kill("SIGKILL");
    });
    /** A long-running process whose command line holds `args`. */
    function standIn(...args: string[]): ChildProcess {
      const c = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "--", ...args], {
        stdio: "ignore",
      });
      children.push(c);
      return c;
    }
    /** Until the stand-in has exec'd (before that, /proc shows the parent's command line). */
    const waitAlive = async (pid: number | undefined) => {
      const execd = () =>
        fs.existsSync(`/proc/${pid}`) &&
        fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("setInterval");
      for (let i = 0; i < 250 && !execd(); i++) await new Promise((r) => setTimeout(r, 20));
    };

    it("works with nothing there", async () => {
      const layout = machineLayout(tmpDir("td0"));
      await qemuDriver.teardown(layout, "m-0000000003", undefined);
      await qemuDriver.teardown(layout, "m-0000000003", recordFor("m-0000000003", { pid: 999_999_999 }));
    });

    it("stops what names the machine (folder or -name), never a PID merely recorded", async () => {
      const layout = machineLayout(tmpDir("td1"));
      const id = "m-0000000004";
      fs.mkdirSync(layout.machineDir(id), { recursive: true });
      const byFolder = standIn(`${layout.machineDir(id)}/disk.qcow2`);
      // The same machine seen through another path to the data dir.
      const byName = standIn("-name", `spuff-${id}`, "/elsewhere/machines/x/disk.qcow2");
      const otherMachine = standIn(
        `${layout.machineDir("m-0000000005")}/disk.qcow2`,
        "-name",
        "spuff-m-0000000005",
        "x",
      );
      const reused = standIn("unrelated");
      await Promise.all([byFolder, byName, otherMachine, reused].map((c) => waitAlive(c.pid)));
      for (const c of [byFolder, byName, otherMachine, reused]) expect(isProcessAlive(c.pid)).toBe(true);
      expect(pidsMentioning(`${layout.machineDir(id)}/`)).toEqual([byFolder.pid]);

      await qemuDriver.teardown(layout, id, recordFor(id, { pid: reused.pid }));
      expect(isProcessAlive(byFolder.pid)).toBe(false);
      expect(isProcessAlive(byName.pid)).toBe(false);
      expect(isProcessAlive(otherMachine.pid)).toBe(true);
      expect(isProcessAlive(reused.pid)).toBe(true);
    });
  });
});

/** Loopback sockets qemu (`pid`) listens on, as "address:port". */
function listeningSockets(pid: number): string[] {
  const out = execFileSync("ss", ["-Hltnp"], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => l.trim().split(/\s+/)[3] ?? "");
}

describe.runIf(runVmSuite)("qemu machines", () => {
  let dataDir: string;
  let layout: MachineLayout;
  let engine: MachineEngine;
  beforeAll(() => {
    dataDir = tempDataDir("qemu");
    layout = machineLayout(dataDir);
    engine = new MachineEngine({ layout });
  });
  afterAll(async () => {
    for (const m of engine.list()) await engine.destroy(m.id);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("boots from user-data, logs in with ssh, cloud-init done; destroy leaves nothing", async () => {
    const key = path.join(dataDir, "id_dev");
    const pub = generateKeyPair(key);
    const userData = `#cloud-config\n${stringify({
      hostname: "qemu-test",
      users: [
        {
          name: "dev",
          groups: ["sudo"],
          shell: "/bin/bash",
          sudo: "ALL=(ALL) NOPASSWD:ALL",
          ssh_authorized_keys: [pub],
        },
      ],
      write_files: [{ path: "/etc/spuff-marker", content: "from user-data\n" }],
    })}`;

    const t0 = Date.now();
    const m = await engine.create({ name: "qemu-test", userData, image: TEST_IMAGE, driver: "qemu" });
    const startedMs = Date.now() - t0;
    expect(m).toMatchObject({
      driver: "qemu",
      state: "running",
      address: expect.stringMatching(/^127\.0\.0\.\d+$/),
    });
    expect(engine.isRunning(m)).toBe(true);
    const pid = m.pid as number;
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const accel = values(cmdline, "-accel")[0]?.split(",")[0];
    // qemu listens on nothing on the host; slirp4netns holds the one forward, on 127.0.0.N:22.
    expect(listeningSockets(pid)).toEqual([]);
    expect(listeningSockets(engine.require(m.id).slirpPid as number)).toEqual([`${m.address}:22`]);

    await engine.waitSsh(m.id, 300_000);
    const bannerMs = Date.now() - t0;

    // The user appears only when cloud-init's config stage runs, after sshd: retry the login.
    let login = await ssh(m.address, key, "true", 20_000);
    for (let i = 0; i < 60 && login.code === 255 && Date.now() - t0 < 300_000; i++) {
      await new Promise((r) => setTimeout(r, 2000));
      login = await ssh(m.address, key, "true", 20_000);
    }
    expect(login).toMatchObject({ code: 0 });
    const loginMs = Date.now() - t0;

    const status = await ssh(m.address, key, "cloud-init status --wait --format=json", 240_000);
    const doneMs = Date.now() - t0;
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: "done", errors: [] });
    const check = await ssh(
      m.address,
      key,
      "cat /etc/spuff-marker; hostname; sudo -n true && echo sudo-ok",
      20_000,
    );
    expect(check.stdout).toBe("from user-data\nqemu-test\nsudo-ok\n");

    // A service on the host's loopback: qemu's user network used to take 10.0.2.2 there.
    const reached: string[] = [];
    const listener = net.createServer((c) => {
      reached.push(String(c.remoteAddress));
      c.end("host-secret\n");
    });
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
    const port = (listener.address() as net.AddressInfo).port;
    try {
      const probe = await ssh(
        m.address,
        key,
        `for h in 10.0.2.2 10.0.2.3 10.0.2.100 127.0.0.1; do timeout 5 bash -c "cat </dev/tcp/$h/${port}" && echo "REACHED $h"; done; ip route; echo probed`,
        60_000,
      );
      expect(probe.stdout).toContain("probed");
      expect(probe.stdout).not.toContain("REACHED");
      expect(probe.stdout).not.toContain("host-secret");
      expect(probe.stdout).toMatch(/default via 10\.0\.2\.2/); // still a way out (to the mirror)
      expect(reached).toEqual([]);
      if (process.env.SPUFF_TEST_MIRROR === "1") {
        // Off by default: tests talk to loopback only. Set to check the way to Debian's mirror.
        const mirror = await ssh(
          m.address,
          key,
          "curl -sS -o /dev/null -w '%{http_code}' http://deb.debian.org/debian/dists/bookworm/Release",
          60_000,
        );
        expect(mirror.stdout).toBe("200");
      }
    } finally {
      listener.close();
    }
    console.log(
      `qemu (${accel}): create→started ${startedMs} ms, create→banner ${bannerMs} ms, ` +
        `create→login ${loginMs} ms, create→cloud-init done ${doneMs} ms`,
    );

    expect(leftovers(layout)).not.toEqual(NOTHING_LEFT);
    await engine.destroy(m.id);
    expect(isProcessAlive(pid)).toBe(false);
    expect(leftovers(layout)).toEqual(NOTHING_LEFT);
    expect(fs.existsSync(layout.machineDir(m.id))).toBe(false);
    expect(fs.existsSync(path.join(layout.addressesDir, m.address))).toBe(false);
    // Idempotent: destroying again is not an error.
    await engine.destroy(m.id);
  }, 360_000);

  it("probes KVM without leaving the probe's qemu behind, and caches the verdict", async () => {
    const base = await ensureBaseDisk(layout, TEST_IMAGE);
    const cache = path.join(tmpDir("probe"), "accel.json");
    const started = Date.now();
    const accel = await resolveAccel(cache, base.kernel, { env: {} });
    console.log(`qemu: KVM probe verdict ${accel} in ${Date.now() - started} ms`);
    expect(pidsMentioning("spuff-kvm-probe-")).toEqual([]);
    if (fs.existsSync("/dev/kvm")) {
      const stored = Object.values(
        JSON.parse(fs.readFileSync(cache, "utf8")) as Record<string, AccelVerdict>,
      );
      expect(stored).toEqual([expect.objectContaining({ accel, reason: expect.any(String) })]);
    }
    expect(accelCacheFile(layout)).toBe(path.join(layout.imagesDir, ".qemu-accel.json"));
  }, 60_000);
});
