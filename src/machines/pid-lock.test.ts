/** The PID lock shared by image builds (busy: throw) and qemu disk builds (busy: wait). */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acquirePidLock, tryPidLock } from "./pid-lock.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-pidlock-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const lockFile = () => path.join(dir, `lock-${n++}`);
const deadPid = () => spawnSync("true").pid as number;
const busy = (holder: number | undefined) => new Error(`busy ${holder}`);

describe("PID lock", () => {
  it("holds this process's PID, and a release removes only its own lock", () => {
    const f = lockFile();
    const r = tryPidLock(f);
    if (!("release" in r)) throw new Error("not locked");
    expect(fs.readFileSync(f, "utf8")).toBe(String(process.pid));
    expect(tryPidLock(f)).toEqual({ holder: process.pid });
    fs.writeFileSync(f, "1"); // taken over by someone else meanwhile
    r.release();
    expect(fs.readFileSync(f, "utf8")).toBe("1");
  });

  it("takes over a lock whose owner died; a fresh PID-less lock is being written", () => {
    const f = lockFile();
    fs.writeFileSync(f, String(deadPid()));
    expect("release" in tryPidLock(f)).toBe(true);
    const g = lockFile();
    fs.writeFileSync(g, "");
    expect(tryPidLock(g)).toEqual({ holder: undefined });
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(g, old, old);
    expect("release" in tryPidLock(g)).toBe(true);
  });

  it("busy: throw refuses a live holder with the caller's error", async () => {
    const f = lockFile();
    fs.writeFileSync(f, String(process.ppid));
    await expect(acquirePidLock(f, { busy: "throw", error: busy })).rejects.toThrow(`busy ${process.ppid}`);
  });

  it("busy: wait waits for the holder, stops when done() says the work exists, and times out", async () => {
    const holder = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      const f = lockFile();
      fs.writeFileSync(f, String(holder.pid));
      await expect(
        acquirePidLock(f, { busy: "wait", timeoutMs: 300, pollMs: 50, error: busy }),
      ).rejects.toThrow(`busy ${holder.pid}`);
      let built = false;
      setTimeout(() => {
        built = true;
      }, 200);
      expect(
        await acquirePidLock(f, {
          busy: "wait",
          timeoutMs: 5000,
          pollMs: 50,
          done: () => built,
          error: busy,
        }),
      ).toBe(undefined);
      setTimeout(() => holder.kill("SIGKILL"), 200);
      const release = await acquirePidLock(f, { busy: "wait", timeoutMs: 5000, pollMs: 50, error: busy });
      expect(typeof release).toBe("function");
      expect(fs.readFileSync(f, "utf8")).toBe(String(process.pid));
    } finally {
      holder.kill("SIGKILL");
    }
  });
});
