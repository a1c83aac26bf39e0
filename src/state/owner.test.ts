import { spawn } from "node:child_process";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { currentOwner, inProgress, OWNERLESS_LEASE_MS, ownerAlive, processStart } from "./owner.ts";

describe("instance owner", () => {
  it("a running process is alive; after it exits it is not; a reused PID with another start is not it", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      const pid = child.pid as number;
      const owner = { pid, host: os.hostname(), start: processStart(pid) };
      expect(ownerAlive(owner)).toBe(true);
      if (process.platform === "linux") {
        expect(owner.start).toMatch(/^[0-9a-f-]+:\d+$/);
        expect(ownerAlive({ ...owner, start: `${owner.start}0` })).toBe(false);
      }
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      expect(ownerAlive(owner)).toBe(false);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("this process owns what it stamps; another host cannot be checked", () => {
    expect(ownerAlive(currentOwner())).toBe(true);
    expect(ownerAlive({ ...currentOwner(), host: "elsewhere" })).toBe("unknown");
  });

  it("in progress: owner alive; or, without a checkable owner, a creating record updated within the lease", () => {
    const now = Date.parse("2026-12-01T12:00:00Z");
    const fresh = new Date(now - 1000).toISOString();
    const stale = new Date(now - OWNERLESS_LEASE_MS - 1000).toISOString();
    expect(inProgress({ owner: currentOwner(), updatedAt: stale, status: "creating" }, now)).toBe(true);
    expect(inProgress({ owner: null, updatedAt: fresh, status: "creating" }, now)).toBe(true);
    expect(inProgress({ owner: null, updatedAt: stale, status: "provisioning" }, now)).toBe(false);
    expect(inProgress({ owner: null, updatedAt: fresh, status: "ready" }, now)).toBe(false);
    const remote = { ...currentOwner(), host: "elsewhere" };
    expect(inProgress({ owner: remote, updatedAt: fresh, status: "creating" }, now)).toBe(true);
    expect(inProgress({ owner: remote, updatedAt: stale, status: "creating" }, now)).toBe(false);
  });
});
