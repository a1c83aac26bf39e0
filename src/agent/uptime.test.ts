import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { machineUptimeSeconds } from "./processes.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A fake procfs root with the kernel's uptime and PID 1's stat (starttime = field 22, in ticks). */
function procRoot(kernelUptime: string, pid1StartTicks?: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-proc-"));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, "uptime"), `${kernelUptime} 123.00\n`);
  if (pid1StartTicks !== undefined) {
    fs.mkdirSync(path.join(dir, "1"));
    // Fields 3..21 as zeros, then starttime, then a few more.
    const fields = [..."S".split(""), ...Array(18).fill("0"), String(pid1StartTicks), "0", "0"];
    fs.writeFileSync(path.join(dir, "1", "stat"), `1 (systemd) ${fields.join(" ")}\n`);
  }
  return dir;
}

describe("machine uptime", () => {
  it("in a container, counts from the container's init, not the host's boot", () => {
    // Host up 7000 s; the container's init started 6990 s after the host booted.
    expect(machineUptimeSeconds(procRoot("7000.50", 699_000))).toBeCloseTo(10.5, 5);
  });

  it("on a VM (init started at boot) it is the kernel's uptime", () => {
    expect(machineUptimeSeconds(procRoot("42.25", 1))).toBeCloseTo(42.24, 5);
  });

  it("falls back to the kernel's uptime when PID 1 cannot be read", () => {
    expect(machineUptimeSeconds(procRoot("99.00"))).toBe(99);
  });

  it("on this host agrees with the kernel's uptime minus PID 1's start", () => {
    const stat = fs.readFileSync("/proc/1/stat", "utf8");
    const start = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]) / 100;
    expect(Math.abs(machineUptimeSeconds() - (os.uptime() - start))).toBeLessThan(2);
  });
});
