/**
 * Top processes by CPU from /proc/<pid>/stat (no `ps`). CPU% is the delta since the previous call
 * when one exists, otherwise the average over the process lifetime.
 */
import { promises as fsp, readFileSync } from "node:fs";
import path from "node:path";

export interface ProcessInfo {
  pid: number;
  name: string;
  cpu_percent: number;
  memory_bytes: number;
}

/** Linux USER_HZ and page size on every distro spuff targets (x86_64/arm64). */
const CLK_TCK = 100;
const PAGE_SIZE = 4096;
/** Upper bound on pids read per call, so a fork bomb cannot make the endpoint unbounded. */
const MAX_PIDS = 4096;

export interface ParsedStat {
  name: string;
  ticks: number;
  startTicks: number;
  rssPages: number;
}

/** Parses /proc/<pid>/stat; the name is between the first "(" and the LAST ")" since it may contain ")". */
export function parseProcStat(text: string): ParsedStat | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  // Fields after the name, starting at field 3 (state): utime=14, stime=15, starttime=22, rss=24.
  const f = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const n = (field: number) => Number(f[field - 3] ?? 0);
  return { name: text.slice(open + 1, close), ticks: n(14) + n(15), startTicks: n(22), rssPages: n(24) };
}

/**
 * Seconds since this machine's init started. /proc/uptime is the kernel's: inside a container
 * (the local provider's nspawn machines) that is the host's boot, hours before the machine
 * existed. PID 1's start time (ticks since the kernel booted) is the machine's own boot in both
 * cases, so subtracting it gives a container its real uptime and changes nothing on a VM.
 */
export function machineUptimeSeconds(procRoot = "/proc"): number {
  const kernel = Number(readFileSync(path.join(procRoot, "uptime"), "utf8").split(" ")[0]);
  try {
    const init = parseProcStat(readFileSync(path.join(procRoot, "1", "stat"), "utf8"));
    if (init) return Math.max(0, kernel - init.startTicks / CLK_TCK);
  } catch {
    // No /proc/1/stat to read (hardened /proc): the kernel's uptime is the best answer left.
  }
  return kernel;
}

export function createProcessLister(procRoot = "/proc") {
  let prev: { at: number; ticks: Map<number, number> } | undefined;
  return async function topProcesses(nowMs: number, limit = 10): Promise<ProcessInfo[]> {
    const uptime = Number((await fsp.readFile(path.join(procRoot, "uptime"), "utf8")).split(" ")[0]);
    const pids = (await fsp.readdir(procRoot)).filter((e) => /^\d+$/.test(e)).slice(0, MAX_PIDS);
    const ticks = new Map<number, number>();
    const out: ProcessInfo[] = [];
    for (const p of pids) {
      const stat = await fsp.readFile(path.join(procRoot, p, "stat"), "utf8").catch(() => undefined);
      const s = stat === undefined ? undefined : parseProcStat(stat);
      if (!s) continue; // the process exited between readdir and read
      const pid = Number(p);
      ticks.set(pid, s.ticks);
      const before = prev?.ticks.get(pid);
      const elapsed =
        prev && before !== undefined ? (nowMs - prev.at) / 1000 : uptime - s.startTicks / CLK_TCK;
      const used = (s.ticks - (prev && before !== undefined ? before : 0)) / CLK_TCK;
      const cpu = elapsed > 0 ? (100 * used) / elapsed : 0;
      out.push({
        pid,
        name: s.name,
        cpu_percent: Math.round(cpu * 10) / 10,
        memory_bytes: s.rssPages * PAGE_SIZE,
      });
    }
    prev = { at: nowMs, ticks };
    return out
      .sort((a, b) => b.cpu_percent - a.cpu_percent || b.memory_bytes - a.memory_bytes)
      .slice(0, limit);
  };
}
