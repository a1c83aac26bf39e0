/** UID ranges of user-namespaced machines, and snapshots shifted back to plain uids. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inCgroups } from "./cgroup.ts";
import { UID_RANGE, uidBaseFor, unshiftTree } from "./userns.ts";

const isRoot = process.getuid?.() === 0;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-userns-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("user namespaces", () => {
  it("gives each loopback address its own 64 Ki range, far above host accounts", () => {
    const bases = ["127.0.0.2", "127.0.0.3", "127.0.0.254"].map(uidBaseFor);
    expect(bases[1]! - bases[0]!).toBe(UID_RANGE);
    expect(Math.min(...bases)).toBeGreaterThanOrEqual(0x2000_0000);
    expect(bases[2]! + UID_RANGE).toBeLessThan(2 ** 32 - 1);
    for (const bad of ["10.0.0.2", "127.0.0.0", "127.0.0.300", "127.0.1.2", "x"]) {
      expect(() => uidBaseFor(bad), bad).toThrow(/No UID range/);
    }
  });

  it.runIf(isRoot)(
    "a snapshot's files go back to plain uids, setuid bits and links kept as they were",
    () => {
      const base = uidBaseFor("127.0.0.7");
      const dir = path.join(scratch, "layer");
      fs.mkdirSync(path.join(dir, "usr/bin"), { recursive: true });
      fs.mkdirSync(path.join(dir, "home/dev"), { recursive: true });
      const sudo = path.join(dir, "usr/bin/sudo");
      fs.writeFileSync(sudo, "x");
      fs.chownSync(sudo, base, base);
      fs.chmodSync(sudo, 0o4755);
      fs.chownSync(path.join(dir, "home/dev"), base + 1000, base + 1000);
      const host = path.join(scratch, "host-file");
      fs.writeFileSync(host, "host");
      fs.symlinkSync(host, path.join(dir, "home/dev/link"));
      fs.lchownSync(path.join(dir, "home/dev/link"), base + 1000, base + 1000);
      fs.writeFileSync(path.join(dir, "other"), "");
      fs.chownSync(path.join(dir, "other"), 4242, 4242); // outside the range: left alone

      unshiftTree(dir, base);
      const st = (p: string) => fs.lstatSync(path.join(dir, p));
      expect([st("usr/bin/sudo").uid, st("usr/bin/sudo").mode & 0o7777]).toEqual([0, 0o4755]);
      expect([st("home/dev").uid, st("home/dev").gid]).toEqual([1000, 1000]);
      expect(st("home/dev/link").uid).toBe(1000);
      expect(fs.statSync(host).uid).toBe(0); // the link's target was not touched
      expect(st("other").uid).toBe(4242);
    },
  );

  it("moves the command into its cgroups through arguments, never through the script text", () => {
    const args = inCgroups(["/sys/fs/cgroup/a b", "/x;rm -rf /"], "systemd-nspawn", ["--quiet"]);
    expect(args.slice(2)).toEqual([
      "sh",
      "2",
      "/sys/fs/cgroup/a b",
      "/x;rm -rf /",
      "systemd-nspawn",
      "--quiet",
    ]);
    expect(args[1]).not.toContain("cgroup/a");
  });
});
