import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { claimAddress, FIRST_HOST, LAST_HOST, releaseAddress } from "./addresses.ts";
import { assertHostCanBuildImage, assertHostCanRun, type HostFacts } from "./host.ts";
import { machineLayout } from "./layout.ts";

const linuxRoot: HostFacts = { platform: "linux", uid: 0, which: (p) => `/usr/bin/${p}` };

describe("host preflight", () => {
  it("passes on Linux as root with the tools", () => {
    expect(() => assertHostCanRun("nspawn", linuxRoot)).not.toThrow();
  });
  it("names the platform, root, and the package that provides a missing tool", () => {
    expect(() => assertHostCanRun("nspawn", { ...linuxRoot, platform: "darwin" })).toThrow(
      expect.objectContaining({ code: "machines_not_linux", hint: expect.stringContaining("--provider") }),
    );
    expect(() => assertHostCanRun("nspawn", { ...linuxRoot, uid: 1000 })).toThrow(
      expect.objectContaining({ code: "machines_not_root" }),
    );
    const noNspawn = {
      ...linuxRoot,
      which: (p: string) => (p === "systemd-nspawn" ? undefined : `/bin/${p}`),
    };
    expect(() => assertHostCanRun("nspawn", noNspawn)).toThrow(
      expect.objectContaining({
        code: "machines_missing_tools",
        hint: "Install: apt-get install -y systemd-container",
      }),
    );
    const noQemu = { ...linuxRoot, which: (p: string) => (p.startsWith("qemu") ? undefined : `/bin/${p}`) };
    expect(() => assertHostCanRun("qemu", noQemu)).toThrow(
      expect.objectContaining({ hint: "Install: apt-get install -y qemu-system-x86 qemu-utils" }),
    );
    const noDebootstrap = {
      ...linuxRoot,
      which: (p: string) => (p === "debootstrap" ? undefined : `/bin/${p}`),
    };
    expect(() => assertHostCanBuildImage(noDebootstrap)).toThrow(
      expect.objectContaining({ hint: "Install: apt-get install -y debootstrap" }),
    );
  });
});

describe.runIf(process.getuid?.() === 0)("loopback address claims", () => {
  it("never hands one address out twice, and says so when all are taken", () => {
    // A private claims dir: real /run/spuff claims of running machines are not touched.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-addr-"));
    const layout = { ...machineLayout(dir), addressesDir: path.join(dir, "claims") };
    const seen = new Set<string>();
    for (let n = FIRST_HOST; n <= LAST_HOST; n++) seen.add(claimAddress(layout, `m-${n}`));
    expect(seen.size).toBe(LAST_HOST - FIRST_HOST + 1);
    expect(() => claimAddress(layout, "m-one-too-many")).toThrow(
      expect.objectContaining({ code: "machines_out_of_addresses" }),
    );
    releaseAddress(layout, "127.0.0.9", "m-9");
    expect(claimAddress(layout, "m-new")).toBe("127.0.0.9");
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
