/** The qemu accelerator: the KVM probe's command line and verdict, and the per-kernel cache. */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type AccelVerdict, judgeProbe, probeArgs, resolveAccel } from "./qemu-accel.ts";
import { tmpDir, values } from "./qemu-test-kit.ts";

describe("KVM probe command line", () => {
  it("probes KVM with a kernel-only boot that ends in a panic and exits", () => {
    const args = probeArgs("/k/vmlinuz", "/p/console.log");
    expect(values(args, "-accel")).toEqual(["kvm"]);
    expect(values(args, "-append")).toEqual(["console=ttyS0 panic=-1"]);
    expect(args).toContain("-no-reboot");
    expect(args).not.toContain("-initrd");
    expect(args).not.toContain("-netdev");
    expect(args).not.toContain("-daemonize");
  });
});

describe("KVM verdict", () => {
  const booted =
    "[    0.000000] Linux version 6.1.0\n...\n[    1.2] Kernel panic - not syncing: VFS: Unable to mount root fs\n";

  it("is kvm only when the kernel ran its boot to the end and qemu exited", () => {
    expect(judgeProbe(booted, 0, "").accel).toBe("kvm");
    // Printed its first line, then stalled or crashed (as PVM does with a stock kernel).
    expect(judgeProbe("[    0.000000] Linux version 6.1.0\n", "timeout", "")).toMatchObject({
      accel: "tcg",
      reason: expect.stringContaining("did not finish booting"),
    });
    expect(judgeProbe("", "timeout", "").reason).toContain("no output at all");
    const abort = judgeProbe(
      "",
      134,
      "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\nAssertion…\n",
    );
    expect(abort).toMatchObject({ accel: "tcg", reason: expect.stringContaining("failed to set MSR 0x10a") });
    expect(judgeProbe("[    0.000000] Linux version 6.1.0\n", 0, "").accel).toBe("tcg");
  });

  describe("resolveAccel", () => {
    const dir = tmpDir("accel");
    const kernel = path.join(dir, "vmlinuz");
    const device = path.join(dir, "kvm");
    fs.writeFileSync(device, "");
    const cache = path.join(dir, "images", ".qemu-accel.json");
    let probes = 0;
    const probe = async (): Promise<AccelVerdict> => {
      probes++;
      return { accel: "kvm", reason: "test", checkedAt: "now" };
    };
    const noProbe = async (): Promise<AccelVerdict> => {
      throw new Error("must not probe");
    };
    afterEach(() => {
      fs.rmSync(cache, { force: true });
      probes = 0;
    });

    it("obeys SPUFF_QEMU_ACCEL without probing, and rejects other values", async () => {
      fs.writeFileSync(kernel, "kernel-1");
      const deps = { kvmDevice: device, probe: noProbe };
      expect(await resolveAccel(cache, kernel, { ...deps, env: { SPUFF_QEMU_ACCEL: "kvm" } })).toBe("kvm");
      expect(await resolveAccel(cache, kernel, { ...deps, env: { SPUFF_QEMU_ACCEL: "tcg" } })).toBe("tcg");
      await expect(
        resolveAccel(cache, kernel, { ...deps, env: { SPUFF_QEMU_ACCEL: "hvf" } }),
      ).rejects.toMatchObject({ code: "qemu_bad_accel" });
      expect(fs.existsSync(cache)).toBe(false);
    });

    it("is tcg without a KVM device, and caches nothing then", async () => {
      fs.writeFileSync(kernel, "kernel-1");
      const r = await resolveAccel(cache, kernel, {
        env: {},
        kvmDevice: path.join(dir, "none"),
        probe: noProbe,
      });
      expect(r).toBe("tcg");
      expect(fs.existsSync(cache)).toBe(false);
    });

    it("probes once per kernel content and host kernel release, then answers from the cache", async () => {
      fs.writeFileSync(kernel, "kernel-1");
      const deps = { env: {}, kvmDevice: device, probe, release: "6.1.0-a" };
      expect(await resolveAccel(cache, kernel, deps)).toBe("kvm");
      expect(await resolveAccel(cache, kernel, deps)).toBe("kvm");
      expect(probes).toBe(1);
      const stored = JSON.parse(fs.readFileSync(cache, "utf8")) as Record<string, AccelVerdict>;
      expect(Object.keys(stored)).toEqual([expect.stringMatching(/^[0-9a-f]{16}@6\.1\.0-a$/)]);

      await resolveAccel(cache, kernel, { ...deps, release: "6.2.0-b" });
      expect(probes).toBe(2);
      fs.writeFileSync(kernel, "kernel-2");
      await resolveAccel(cache, kernel, deps);
      expect(probes).toBe(3);
      expect(Object.keys(JSON.parse(fs.readFileSync(cache, "utf8")))).toHaveLength(3);
      // A verdict read back from disk decides without a probe.
      expect(await resolveAccel(cache, kernel, { ...deps, probe: noProbe })).toBe("kvm");
    });
  });
});
