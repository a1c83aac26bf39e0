/**
 * volume-mount.sh on a real block device (a loop device over a sparse file; root): formats a
 * blank volume once, never a volume with a filesystem (UUID and data unchanged on the second
 * mount), writes one nofail fstab line, grows after a resize, and passes hostile values through
 * as data. The same script runs on cloud VMs and sim machines.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMBEDDED_SCRIPTS } from "../cloudinit/scripts.generated.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-volmount-"));
const img = path.join(tmp, "vol.img");
let loop = "";
const mounted: string[] = [];

beforeAll(() => {
  execFileSync("truncate", ["-s", "64M", img]);
  loop = execFileSync("losetup", ["-f", "--show", img], { encoding: "utf8" }).trim();
});
afterAll(() => {
  for (const m of mounted.reverse()) spawnSync("umount", [m]);
  if (loop) spawnSync("losetup", ["-d", loop]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The script exactly as `up` sends it: on stdin to bash, values as separate arguments. */
function run(args: string[], fstab: string) {
  const r = spawnSync("bash", ["-s", "--", ...args], {
    input: EMBEDDED_SCRIPTS["volume-mount.sh"],
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", SPUFF_FSTAB: fstab },
    cwd: tmp,
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const field = (out: string, k: string) => new RegExp(`^${k}=(.*)$`, "m").exec(out)?.[1];

describe.skipIf(process.getuid?.() !== 0)("volume-mount.sh (loop device, root)", () => {
  it("formats a blank volume once; the second machine mounts the same filesystem with its data", () => {
    const fstab = path.join(tmp, "fstab");
    fs.writeFileSync(fstab, "# a comment\nUUID=abc / ext4 defaults 0 1\n");
    const mnt = path.join(tmp, "home1", "workspace");
    const first = run([loop, mnt, "work", "nobody"], fstab);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    mounted.push(mnt);
    expect(field(first.out, "formatted")).toBe("yes");
    const uuid = field(first.out, "uuid");
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(execFileSync("blkid", ["-s", "LABEL", "-o", "value", loop], { encoding: "utf8" }).trim()).toBe(
      "work",
    );
    expect(fs.statSync(mnt).uid).toBe(Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" })));
    expect(fs.readFileSync(fstab, "utf8")).toBe(
      `# a comment\nUUID=abc / ext4 defaults 0 1\n${loop} ${mnt} auto defaults,nofail,discard 0 2\n`,
    );
    fs.writeFileSync(path.join(mnt, "notes.txt"), "kept\n");
    execFileSync("umount", [mnt]);
    mounted.pop();

    // "Another machine": a new mount point and fstab; the volume has a filesystem, so no format.
    const mnt2 = path.join(tmp, "home2", "workspace");
    const fstab2 = path.join(tmp, "fstab2");
    fs.writeFileSync(fstab2, `${loop} ${mnt2} ext4 defaults 0 2\n`);
    const second = run([loop, mnt2, "work", "nobody"], fstab2);
    expect(second.code).toBe(0);
    mounted.push(mnt2);
    expect(field(second.out, "formatted")).toBe("no");
    expect(field(second.out, "uuid")).toBe(uuid);
    expect(fs.readFileSync(path.join(mnt2, "notes.txt"), "utf8")).toBe("kept\n");
    // The old line for that mount point was replaced, not duplicated.
    expect(fs.readFileSync(fstab2, "utf8").trim().split("\n")).toHaveLength(1);

    // A resize (the file grows, as the provider grows the volume) is taken up on the next mount.
    execFileSync("umount", [mnt2]);
    mounted.pop();
    execFileSync("truncate", ["-s", "128M", img]);
    execFileSync("losetup", ["-c", loop]);
    const third = run([loop, mnt2, "work", "nobody"], fstab2);
    expect(third.code).toBe(0);
    mounted.push(mnt2);
    const blocks = Number(
      execFileSync("df", ["--output=size", "-k", mnt2], { encoding: "utf8" }).split("\n")[1],
    );
    expect(blocks).toBeGreaterThan(100_000);
    execFileSync("umount", [mnt2]);
    mounted.pop();
  });

  it("never formats a device blkid cannot read, and refuses paths that would break fstab", () => {
    const fstab = path.join(tmp, "fstab3");
    fs.writeFileSync(fstab, "");
    const missing = run(
      ["/dev/disk/by-id/scsi-0DO_Volume_nothere", path.join(tmp, "m3"), "x", "nobody"],
      fstab,
    );
    expect(missing.code).toBe(3);
    const spaced = run([loop, path.join(tmp, "a b"), "x", "nobody"], fstab);
    expect(spaced.code).toBe(2);
    const notDev = run([img, path.join(tmp, "m4"), "x", "nobody"], fstab);
    expect(notDev.code).toBe(2);
    expect(fs.readFileSync(fstab, "utf8")).toBe("");
  });

  it("hostile values stay data: a label and mount point full of shell syntax run nothing", () => {
    const fstab = path.join(tmp, "fstab4");
    fs.writeFileSync(fstab, "");
    const pwned = path.join(tmp, "pwned");
    // Relative names: the script runs in tmp, so a command that ran would create tmp/pwned.
    const mnt = path.join(tmp, "$(touch$IFS" + "pwned);x`touch$IFS" + "pwned`");
    const r = run([loop, mnt, `$(touch ${pwned})`, "nobody"], fstab);
    expect(r.code).toBe(0);
    mounted.push(mnt);
    expect(fs.existsSync(pwned)).toBe(false);
    expect(fs.existsSync(mnt)).toBe(true);
    expect(fs.readFileSync(fstab, "utf8")).toBe(`${loop} ${mnt} auto defaults,nofail,discard 0 2\n`);
    execFileSync("umount", [mnt]);
    mounted.pop();
  });

  it("--mounted (the local provider mounted it): no format, no mount, its fstab line goes, the user gets it", () => {
    const fstab = path.join(tmp, "fstab5");
    const mnt = path.join(tmp, "home5", "workspace");
    fs.mkdirSync(mnt, { recursive: true });
    fs.writeFileSync(fstab, `# keep\n/dev/disk/by-id/old ${mnt} auto defaults,nofail 0 2\n`);
    // Not a mount point yet: refused, nothing changed (the host must have bound it in).
    const early = run(["--mounted", mnt, "nobody"], fstab);
    expect(early.code).toBe(5);
    expect(fs.readFileSync(fstab, "utf8")).toContain("/dev/disk/by-id/old");
    // A link standing there (a guest could plant one) is refused too, though it points at a mount.
    const link = path.join(tmp, "home5", "link");
    fs.symlinkSync("/proc", link);
    expect(run(["--mounted", link, "nobody"], fstab).code).toBe(5);

    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt]);
    mounted.push(mnt);
    const r = run(["--mounted", mnt, "nobody"], fstab);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toBe("mounted=yes\n");
    expect(fs.readFileSync(fstab, "utf8")).toBe("# keep\n");
    expect(fs.statSync(mnt).uid).toBe(Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" })));
    execFileSync("umount", [mnt]);
    mounted.pop();
  });
});
