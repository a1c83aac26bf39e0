/**
 * Finding and stopping a machine's processes without trusting recorded PIDs alone: a creator
 * killed between spawn and record leaves a process nobody wrote down. Everything a machine runs
 * either lives in its network namespace (nspawn's container) or names its folder on the command
 * line (nspawn, slirp4netns, qemu), so /proc tells the whole story.
 */
import fs from "node:fs";

/** Alive and not a zombie (a dead child its parent has not reaped yet is gone for our purposes). */
export function isProcessAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Every process on the host but this one, from /proc. */
export function otherPids(): number[] {
  return fs
    .readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((p) => p !== process.pid);
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

function netnsInode(pid: number): number | undefined {
  try {
    return fs.statSync(`/proc/${pid}/ns/net`).ino;
  } catch {
    return undefined;
  }
}

/** PIDs whose command line contains `needle` (a machine folder or netns path). */
export function pidsMentioning(needle: string): number[] {
  return otherPids().filter((p) => cmdline(p).includes(needle));
}

/** PIDs inside the named network namespace (/run/netns/NAME). */
export function pidsInNetns(name: string): number[] {
  let ino: number;
  try {
    ino = fs.statSync(`/run/netns/${name}`).ino;
  } catch {
    return [];
  }
  return otherPids().filter((p) => netnsInode(p) === ino);
}

/** SIGTERM, wait up to `graceMs` (polling every 50 ms), then SIGKILL what is left. */
export async function stopProcesses(list: number[], graceMs: number): Promise<void> {
  const alive = () => list.filter((p) => isProcessAlive(p));
  for (const p of alive()) signal(p, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive().length > 0 && Date.now() < deadline) await sleep(50);
  for (const p of alive()) signal(p, "SIGKILL");
  const killDeadline = Date.now() + 5000;
  while (alive().length > 0 && Date.now() < killDeadline) await sleep(20);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already.
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/**
 * The first descendant of `pid` (children, then grandchildren) in another network namespace:
 * the PID 1 of an nspawn machine with --private-network.
 */
export function descendantInOtherNetns(pid: number): number | undefined {
  const own = netnsInode(pid);
  const all = otherPids().map((p) => ({ p, parent: parentOf(p) }));
  const children = (of: number) => all.filter((x) => x.parent === of).map((x) => x.p);
  for (const c of children(pid)) {
    for (const d of [c, ...children(c)]) {
      const ns = netnsInode(d);
      if (ns !== undefined && ns !== own) return d;
    }
  }
  return undefined;
}
