/**
 * The qemu backend's per-image disk, built from a tiny root filesystem where mkfs.ext4 and
 * qemu-img exist; and how the kernel and initrd of a root filesystem are found.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { realHost } from "./host.ts";
import { machineLayout } from "./layout.ts";
import { bootFile, ensureBaseDisk } from "./qemu-disk.ts";
import { tmpDir } from "./qemu-test-kit.ts";

const host = realHost();
const haveDiskTools = !!host.which("mkfs.ext4") && !!host.which("qemu-img") && !!host.which("debugfs");

describe("kernel and initrd of a root filesystem", () => {
  it("follows Debian's /vmlinuz link, else takes the highest version in /boot", () => {
    const rootfs = tmpDir("boot");
    fs.mkdirSync(path.join(rootfs, "boot"));
    for (const v of ["6.1.0-9-amd64", "6.1.0-10-amd64", "6.10.0-1-amd64"]) {
      fs.writeFileSync(path.join(rootfs, "boot", `vmlinuz-${v}`), v);
    }
    expect(bootFile(rootfs, "vmlinuz")).toBe(path.join(rootfs, "boot/vmlinuz-6.10.0-1-amd64"));
    fs.symlinkSync("boot/vmlinuz-6.1.0-10-amd64", path.join(rootfs, "vmlinuz"));
    expect(bootFile(rootfs, "vmlinuz")).toBe(path.join(rootfs, "boot/vmlinuz-6.1.0-10-amd64"));
    expect(() => bootFile(rootfs, "initrd.img")).toThrow(/has no initrd.img/);
  });
});

describe.runIf(haveDiskTools)("per-image disk", () => {
  /** A data dir with image `tiny`: a root filesystem of a few files. */
  function tinyImage() {
    const layout = machineLayout(tmpDir("disk"));
    const imageDir = layout.imageDir("tiny");
    const rootfs = path.join(imageDir, "rootfs");
    fs.mkdirSync(path.join(rootfs, "boot"), { recursive: true });
    fs.mkdirSync(path.join(rootfs, "etc"));
    fs.writeFileSync(path.join(rootfs, "etc/hostname"), "tiny-root\n");
    fs.writeFileSync(path.join(rootfs, "boot/vmlinuz-6.1.0-10-amd64"), "kernel-10");
    fs.writeFileSync(path.join(rootfs, "boot/initrd.img-6.1.0-10-amd64"), "initrd-10");
    const manifest = { name: "tiny", kind: "base", distro: "debian-12", createdAt: "now" };
    fs.writeFileSync(path.join(imageDir, "image.json"), JSON.stringify(manifest));
    return { layout, imageDir };
  }

  const deadPid = () => spawnSync("true").pid as number;

  it("is built once from the root filesystem, complete, for concurrent starters", async () => {
    const { layout, imageDir } = tinyImage();
    const all = await Promise.all([1, 2, 3].map(() => ensureBaseDisk(layout, "tiny")));
    const base = all[0]!;
    expect(all.every((b) => b.disk === base.disk)).toBe(true);
    expect(fs.readdirSync(imageDir).sort()).toEqual(["disk", "image.json", "rootfs"]);
    expect(fs.readdirSync(base.dir).sort()).toEqual(["base.qcow2", "initrd.img", "vmlinuz"]);
    expect(fs.readFileSync(base.kernel, "utf8")).toBe("kernel-10");
    expect(fs.readFileSync(base.initrd, "utf8")).toBe("initrd-10");

    const info = JSON.parse(
      execFileSync("qemu-img", ["info", "--output=json", base.disk], { encoding: "utf8" }),
    );
    expect(info).toMatchObject({ format: "qcow2", "virtual-size": 4 * 1024 ** 3 });
    const raw = path.join(path.dirname(imageDir), "check.raw");
    execFileSync("qemu-img", ["convert", "-O", "raw", base.disk, raw]);
    const hostname = execFileSync("debugfs", ["-R", "cat /etc/hostname", raw], {
      encoding: "utf8",
      stdio: "pipe",
    });
    expect(hostname).toBe("tiny-root\n");
    expect(execFileSync("e2label", [raw], { encoding: "utf8" }).trim()).toBe("rootfs");

    // Once in place, it is used as it is.
    const mtime = fs.statSync(base.disk).mtimeMs;
    await ensureBaseDisk(layout, "tiny");
    expect(fs.statSync(base.disk).mtimeMs).toBe(mtime);
  });

  it("takes over a lock and scratch folder left by a builder that died", async () => {
    const { layout, imageDir } = tinyImage();
    const dead = deadPid();
    fs.writeFileSync(path.join(imageDir, ".disk.lock"), String(dead));
    fs.mkdirSync(path.join(imageDir, `.disk-partial-${dead}`));
    fs.writeFileSync(path.join(imageDir, `.disk-partial-${dead}`, "base.raw"), "half");
    const base = await ensureBaseDisk(layout, "tiny");
    expect(fs.existsSync(base.disk)).toBe(true);
    expect(fs.readdirSync(imageDir).sort()).toEqual(["disk", "image.json", "rootfs"]);
  });

  it("waits while a live builder holds the lock", async () => {
    const { layout, imageDir } = tinyImage();
    const holder = spawn("sleep", ["60"], { stdio: "ignore" });
    try {
      fs.writeFileSync(path.join(imageDir, ".disk.lock"), String(holder.pid));
      let done = false;
      const pending = ensureBaseDisk(layout, "tiny").then((b) => {
        done = true;
        return b;
      });
      await new Promise((r) => setTimeout(r, 1500));
      expect(done).toBe(false);
      expect(fs.existsSync(path.join(imageDir, "disk"))).toBe(false);
      holder.kill("SIGKILL");
      const base = await pending;
      expect(fs.existsSync(base.disk)).toBe(true);
    } finally {
      holder.kill("SIGKILL");
    }
  }, 30_000);
});
