/**
 * System metrics from procfs and statfs, with no child processes (systeminformation spawns `df`
 * and one `cat` per process; see research/dependencies.md §8). All roots are injectable.
 */
import fs, { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface MetricsSnapshot {
  cpu_usage_percent: number;
  memory_used_bytes: number;
  memory_total_bytes: number;
  disk_used_bytes: number;
  disk_total_bytes: number;
  load_average: [number, number, number];
  timestamp: string;
}

export interface MetricsOptions {
  procRoot?: string;
  diskPath?: string;
  loadavg?: () => number[];
}

interface CpuSample {
  idle: number;
  total: number;
}

/** Aggregate `cpu` line of /proc/stat: idle = idle + iowait, total = sum of all fields. */
export function parseCpuLine(stat: string): CpuSample {
  const line = stat.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return { idle: 0, total: 0 };
  const nums = line.trim().split(/\s+/).slice(1).map(Number);
  const total = nums.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return { idle: (nums[3] ?? 0) + (nums[4] ?? 0), total };
}

export function parseMeminfo(text: string): { total: number; used: number } {
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0) * 1024;
  const total = kb("MemTotal");
  return { total, used: Math.max(0, total - kb("MemAvailable")) };
}

export interface MetricsCollector {
  /** CPU busy percent since the previous call (the first call measures since creation). */
  cpuPercent(): Promise<number>;
  collect(nowMs: number): Promise<MetricsSnapshot>;
}

export function createMetrics(opts: MetricsOptions = {}): MetricsCollector {
  const procRoot = opts.procRoot ?? "/proc";
  const loadavg = opts.loadavg ?? os.loadavg;
  let prev: CpuSample | undefined;
  // procfs files are generated from kernel memory and never wait on a disk, so a synchronous read
  // (microseconds) is cheaper than the thread-pool round trips of fs.promises (open/stat/read/close).
  const sample = async () => parseCpuLine(fs.readFileSync(path.join(procRoot, "stat"), "utf8"));
  // Baseline taken at start so the first request already has a delta (no blocking 500 ms sample).
  void sample().then(
    (s) => {
      prev ??= s;
    },
    () => {},
  );
  const cpuPercent = async () => {
    const cur = await sample();
    const base = prev ?? cur;
    prev = cur;
    const dt = cur.total - base.total;
    if (dt <= 0) return 0;
    return Math.round((1000 * (dt - (cur.idle - base.idle))) / dt) / 10;
  };
  return {
    cpuPercent,
    async collect(nowMs) {
      const cpu = await cpuPercent();
      const meminfo = fs.readFileSync(path.join(procRoot, "meminfo"), "utf8");
      // statfs is one syscall on a local filesystem: sync skips a thread-pool round trip (Node ≥ 18.15).
      const disk = opts.diskPath ?? "/";
      const fsStat = typeof fs.statfsSync === "function" ? fs.statfsSync(disk) : await fsp.statfs(disk);
      const mem = parseMeminfo(meminfo);
      const total = fsStat.blocks * fsStat.bsize;
      const la = loadavg();
      return {
        cpu_usage_percent: cpu,
        memory_used_bytes: mem.used,
        memory_total_bytes: mem.total,
        disk_used_bytes: total - fsStat.bfree * fsStat.bsize,
        disk_total_bytes: total,
        load_average: [la[0] ?? 0, la[1] ?? 0, la[2] ?? 0],
        timestamp: new Date(nowMs).toISOString(),
      };
    },
  };
}
