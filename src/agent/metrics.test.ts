import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createMetrics, parseCpuLine, parseMeminfo } from "./metrics.ts";
import { createProcessLister, parseProcStat } from "./processes.ts";

const proc = mkdtempSync(path.join(os.tmpdir(), "spuff-proc-"));
afterAll(() => rmSync(proc, { recursive: true, force: true }));

describe("procfs parsing", () => {
  it("cpu line and meminfo", () => {
    expect(parseCpuLine("cpu  10 0 10 70 10 0 0 0 0 0\ncpu0 1 1 1 1 1\n")).toEqual({ idle: 80, total: 100 });
    expect(parseMeminfo("MemTotal:  1000 kB\nMemFree: 100 kB\nMemAvailable:   250 kB\n")).toEqual({
      total: 1_024_000,
      used: 768_000,
    });
  });

  it("process stat with a ')' in the name", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    const s = parseProcStat(`42 (we(ird) name) ${fields.join(" ")}`);
    expect(s).toEqual({ name: "we(ird) name", ticks: 14 + 15, startTicks: 22, rssPages: 24 });
    expect(parseProcStat("garbage")).toBeUndefined();
  });
});

describe("collectors over a fake /proc", () => {
  it("cpu percent is the delta between samples", async () => {
    writeFileSync(path.join(proc, "stat"), "cpu  0 0 0 0 0 0 0 0\n");
    writeFileSync(path.join(proc, "meminfo"), "MemTotal: 2048 kB\nMemAvailable: 1024 kB\n");
    const m = createMetrics({ procRoot: proc, diskPath: proc, loadavg: () => [1, 2, 3] });
    await m.cpuPercent();
    writeFileSync(path.join(proc, "stat"), "cpu  25 0 0 75 0 0 0 0\n");
    const snap = await m.collect(0);
    expect(snap).toMatchObject({
      cpu_usage_percent: 25,
      memory_used_bytes: 1024 * 1024,
      memory_total_bytes: 2048 * 1024,
      load_average: [1, 2, 3],
      timestamp: "1970-01-01T00:00:00.000Z",
    });
    expect(snap.disk_total_bytes).toBeGreaterThan(0);
  });

  it("lists the top processes by CPU", async () => {
    writeFileSync(path.join(proc, "uptime"), "100.00 50.00\n");
    const stat = (name: string, ticks: number) =>
      `1 (${name}) S ${Array.from({ length: 40 }, (_, i) => (i === 11 ? ticks : i === 21 ? 10 : 0)).join(" ")}`;
    for (const [pid, name, ticks] of [
      [1, "idle", 0],
      [2, "busy", 5000],
      [3, "mid", 1000],
    ] as const) {
      mkdirSync(path.join(proc, String(pid)), { recursive: true });
      writeFileSync(path.join(proc, String(pid), "stat"), stat(name, ticks));
    }
    const top = await createProcessLister(proc)(0, 2);
    expect(top.map((p) => p.name)).toEqual(["busy", "mid"]);
    expect(top[0]).toMatchObject({ pid: 2, cpu_percent: 50 });
  });
});
