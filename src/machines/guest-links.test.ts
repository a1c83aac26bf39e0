/**
 * A hostile guest against the host's file operations: links it planted in its own files (its
 * upper layer, or the root the host writes the seed into) point at host folders and files.
 * Snapshot, destroy, gc and the seed write must leave every host target exactly as it was.
 * Needs root only for the bind mount (a mount below a machine folder is never crossed).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MachineEngine } from "./engine.ts";
import { GuestPathError, removeTree } from "./guest-fs.ts";
import { type MachineLayout, machineLayout } from "./layout.ts";
import { writeRecord } from "./records.ts";
import { NOCLOUD_SEED, seedFiles, writeSeed } from "./seed.ts";
import type { MachineRecord } from "./types.ts";

const isRoot = process.getuid?.() === 0;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-guest-links-"));
afterAll(() => {
  try {
    execFileSync("umount", [path.join(scratch, "mnt-machine", "merged")], { stdio: "ignore" });
  } catch {
    // Not mounted.
  }
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Every file below `dir` with its content: what "untouched" is compared against. */
function snapshotOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath, e.name);
    out[path.relative(dir, p)] = e.isFile() ? fs.readFileSync(p, "utf8") : "<dir>";
  }
  return out;
}

/** Host folders and a host file an attacker would like spuff to delete or write into. */
function hostTargets() {
  const root = fs.mkdtempSync(path.join(scratch, "host-"));
  const put = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  put("ssh/ssh_host_ed25519_key", "HOST PRIVATE KEY");
  put("ssh/ssh_host_rsa_key", "HOST RSA KEY");
  put("ssh/sshd_config", "host config");
  put("cloud/instances/i-1/data", "host instance");
  put("cloud/instance/x", "host");
  put("cloud/seed/nocloud/user-data", "host seed");
  put("seeddir/keep", "keep");
  put("machine-id", "host machine id");
  return { root, before: snapshotOf(root) };
}

function fakeImage(layout: MachineLayout): void {
  const dir = layout.imageDir("base");
  fs.mkdirSync(path.join(dir, "rootfs", "etc"), { recursive: true });
  const manifest = { name: "base", kind: "base", distro: "debian-12", createdAt: "now" };
  fs.writeFileSync(path.join(dir, "image.json"), JSON.stringify(manifest));
}

/** A stopped nspawn machine whose upper layer holds the guest's links to `host`. */
function hostileMachine(layout: MachineLayout, host: string, id: string): MachineRecord {
  const record: MachineRecord = {
    id,
    name: "evil",
    driver: "nspawn",
    image: "base",
    address: "",
    instanceId: "i-0",
    state: "running",
    creatorPid: process.pid,
    labels: {},
    createdAt: new Date().toISOString(),
  };
  const dir = layout.machineDir(id);
  const upper = path.join(dir, "upper");
  fs.mkdirSync(path.join(upper, "var/lib"), { recursive: true });
  fs.mkdirSync(path.join(upper, "etc"), { recursive: true });
  fs.mkdirSync(path.join(dir, "merged"));
  fs.symlinkSync(path.join(host, "ssh"), path.join(upper, "etc/ssh"));
  fs.symlinkSync(path.join(host, "cloud"), path.join(upper, "var/lib/cloud"));
  fs.symlinkSync(path.join(host, "machine-id"), path.join(upper, "etc/machine-id"));
  fs.symlinkSync(host, path.join(upper, "home"));
  writeRecord(layout, record);
  return record;
}

describe("links planted by the guest", () => {
  it("snapshot leaves the host's ssh keys, cloud-init folders and files alone; the image is 0700", async () => {
    const host = hostTargets();
    const layout = machineLayout(fs.mkdtempSync(path.join(scratch, "data-")));
    fakeImage(layout);
    const m = hostileMachine(layout, host.root, "m-00000000a1");
    const engine = new MachineEngine({ layout });
    await engine.snapshot(m.id, "snap");
    expect(snapshotOf(host.root)).toEqual(host.before);
    expect(fs.statSync(layout.imageDir("snap")).mode & 0o777).toBe(0o700);
    const layer = path.join(layout.imageDir("snap"), "layer");
    // The links that stood where spuff cleans are gone from the layer (removed, not followed).
    for (const p of ["etc/ssh", "var/lib/cloud", "etc/machine-id"]) {
      expect(fs.existsSync(path.join(layer, p)) || isLink(path.join(layer, p)), p).toBe(false);
    }
  });

  it("destroy and gc remove the machine folder, never what its links point at", async () => {
    const host = hostTargets();
    const layout = machineLayout(fs.mkdtempSync(path.join(scratch, "data-")));
    fakeImage(layout);
    const engine = new MachineEngine({ layout });
    const a = hostileMachine(layout, host.root, "m-00000000b1");
    await engine.destroy(a.id);
    expect(fs.existsSync(layout.machineDir(a.id))).toBe(false);
    hostileMachine(layout, host.root, "m-00000000b2");
    const report = await engine.gc();
    expect(report.machines).toEqual(["m-00000000b2"]);
    expect(fs.readdirSync(layout.machinesDir)).toEqual([]);
    expect(snapshotOf(host.root)).toEqual(host.before);
  });

  it("machine folders are 0700", async () => {
    const layout = machineLayout(fs.mkdtempSync(path.join(scratch, "data-")));
    const { createMachineDir } = await import("./records.ts");
    createMachineDir(layout, { ...hostileRecord(), id: "m-00000000c1" });
    expect(fs.statSync(layout.machineDir("m-00000000c1")).mode & 0o777).toBe(0o700);
    expect(fs.statSync(layout.machinesDir).mode & 0o777).toBe(0o700);
  });

  it("the seed write refuses a link at the seed dir, on its way, or at the file", () => {
    const seed = seedFiles("#cloud-config\n{}\n", "i-1", "h");
    const cases: [string, (root: string, host: string) => void][] = [
      ["seed dir", (r, h) => link(path.join(h, "seeddir"), path.join(r, NOCLOUD_SEED))],
      ["var/lib/cloud", (r, h) => link(path.join(h, "cloud"), path.join(r, "var/lib/cloud"))],
      ["var", (r, h) => link(h, path.join(r, "var"))],
      [
        "the file",
        (r, h) => link(path.join(h, "cloud/seed/nocloud/user-data"), path.join(r, NOCLOUD_SEED, "user-data")),
      ],
    ];
    for (const [what, plant] of cases) {
      const host = hostTargets();
      const root = fs.mkdtempSync(path.join(scratch, "root-"));
      plant(root, host.root);
      expect(() => writeSeed(root, NOCLOUD_SEED, seed), what).toThrow(GuestPathError);
      expect(snapshotOf(host.root), what).toEqual(host.before);
    }
    // A FIFO in place of the file neither hangs the host nor is written.
    const root = fs.mkdtempSync(path.join(scratch, "root-"));
    fs.mkdirSync(path.join(root, NOCLOUD_SEED), { recursive: true });
    execFileSync("mkfifo", [path.join(root, NOCLOUD_SEED, "user-data")]);
    expect(() => writeSeed(root, NOCLOUD_SEED, seed)).toThrow(/not a regular file/);
    // The normal case: written, 0600.
    const clean = fs.mkdtempSync(path.join(scratch, "root-"));
    writeSeed(clean, NOCLOUD_SEED, seed);
    const ud = path.join(clean, NOCLOUD_SEED, "user-data");
    expect(fs.readFileSync(ud, "utf8")).toBe(seed["user-data"]);
    expect(fs.statSync(ud).mode & 0o777).toBe(0o600);
  });

  it.runIf(isRoot)("removing a machine folder never crosses a mount left below it", () => {
    const host = hostTargets();
    const dir = path.join(scratch, "mnt-machine");
    fs.mkdirSync(path.join(dir, "merged"), { recursive: true });
    execFileSync("mount", ["--bind", host.root, path.join(dir, "merged")]);
    expect(() => removeTree(dir)).toThrow(/mount point/);
    expect(snapshotOf(host.root)).toEqual(host.before);
  });
});

function link(target: string, at: string): void {
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.symlinkSync(target, at);
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function hostileRecord(): MachineRecord {
  return {
    id: "m-0000000000",
    name: "evil",
    driver: "nspawn",
    image: "base",
    address: "",
    instanceId: "i-0",
    state: "running",
    creatorPid: process.pid,
    labels: {},
    createdAt: new Date().toISOString(),
  };
}
