/**
 * scripts/volume-bind.py refuses hostile arguments before it opens any namespace or mount (no
 * root needed): a guest path that walks up or carries odd characters, a leader that is not a
 * PID, a device that is not MAJOR:MINOR. The binding itself runs on real machines in
 * volume-attach.test.ts.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { EMBEDDED_SCRIPTS } from "../cloudinit/scripts.generated.ts";

const run = (...args: string[]) =>
  spawnSync("python3", ["-c", EMBEDDED_SCRIPTS["volume-bind.py"], ...args], {
    encoding: "utf8",
    timeout: 20_000,
  });

describe("volume-bind.py arguments", () => {
  it("refuses guest paths that walk up, are relative, or carry shell or control characters", () => {
    for (const dst of [
      "/home/../etc",
      "home/dev/workspace",
      "/home/dev/./w",
      "/home/dev/$(id)",
      "/home//dev",
      "/",
      "/a\nb",
    ]) {
      const r = run("bind", "1", "/tmp", dst);
      expect(r.status, dst).toBe(2);
      expect(r.stderr).toMatch(/bad guest path/);
    }
  });

  it("refuses a leader that is not a PID, a relative source, a device that is not MAJOR:MINOR, other verbs", () => {
    expect(run("bind", "1;id", "/tmp", "/home/dev/workspace").stderr).toMatch(/bad leader pid/);
    expect(run("bind", "../1", "/tmp", "/home/dev/workspace").status).toBe(2);
    expect(run("bind", "1", "tmp", "/home/dev/workspace").stderr).toMatch(/bad source/);
    expect(run("unbind", "1", "/home/dev/workspace", "7:0;id").stderr).toMatch(/bad device/);
    expect(run("mount", "1", "/a", "/b").status).toBe(2);
    expect(run("bind", "1", "/tmp").status).toBe(2);
  });
});
