/**
 * GET /ports: the TCP ports the dev user's processes listen on, from /proc (no `ss`): LISTEN rows
 * of net/tcp and net/tcp6 give socket inodes, /proc/<pid>/fd links name the processes holding them.
 * A port shows only when the dev user created the socket (the rows' uid column) and a process whose
 * every uid (real, effective, saved, filesystem) is the dev user's holds it, so root's and other
 * users' listeners never show, not even one handed to a dev process. Names travel as JSON strings;
 * the CLI escapes them before a terminal sees them.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";

export interface ListeningPort {
  port: number;
  /** The bound address as the kernel reports it: "127.0.0.1", "0.0.0.0", "::", "::1", "::ffff:…". */
  address: string;
  /** The lowest pid holding the socket (the parent of forked workers). */
  pid: number;
  /** /proc/<pid>/comm: at most 15 bytes, any bytes the process chose. */
  command: string;
}

/** Bounds so a fork bomb or a process with a million descriptors cannot make one call unbounded. */
const MAX_PIDS = 4096;
const MAX_FDS = 65_536;
/** TCP_LISTEN in include/net/tcp_states.h. */
const LISTEN = "0A";

interface Socket {
  port: number;
  address: string;
  /** The socket's owner: the uid that created it. */
  uid: number;
}

/** The 4-byte words of /proc/net/tcp* are in host order: little-endian on every target (x86_64, arm64). */
function wordBytes(hex: string): number[] {
  const out: number[] = [];
  for (let w = 0; w < hex.length; w += 8)
    for (let b = 3; b >= 0; b--) out.push(Number.parseInt(hex.slice(w + b * 2, w + b * 2 + 2), 16));
  return out;
}

export function formatAddress(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]{8}$|^[0-9A-Fa-f]{32}$/.test(hex)) return undefined;
  const b = wordBytes(hex);
  if (b.length === 4) return b.join(".");
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff)
    return `::ffff:${b.slice(12).join(".")}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16));
  // The URL parser writes the canonical (RFC 5952) compressed form.
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
}

/** LISTEN rows of one /proc/net/tcp or tcp6 text, by socket inode. */
export function parseListening(text: string): Map<string, Socket> {
  const out = new Map<string, Socket>();
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] !== LISTEN || !f[9] || f[9] === "0") continue;
    const [addrHex, portHex] = (f[1] ?? "").split(":");
    const address = formatAddress(addrHex ?? "");
    const port = Number.parseInt(portHex ?? "", 16);
    if (address === undefined || !(port > 0 && port < 65536)) continue;
    out.set(f[9], { port, address, uid: Number(f[7]) });
  }
  return out;
}

/** True when every uid on the status file's `Uid:` line is `uid`. */
export function ownedBy(status: string, uid: number): boolean {
  const ids = /^Uid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/);
  return ids?.length === 4 && ids.every((x) => Number(x) === uid);
}

const readText = (file: string) => fsp.readFile(file, "utf8").catch(() => "");

export interface PortListerOptions {
  /** Whose listeners to report: the dev user's uid. */
  uid: number;
  procRoot?: string;
}

/**
 * The lister keeps its last answer: while the dev user's listening sockets are the same ones and
 * the processes named still are the dev's, a poll costs two table reads, not a walk of /proc.
 */
export function createPortLister(opts: PortListerOptions): () => Promise<ListeningPort[]> {
  const root = opts.procRoot ?? "/proc";
  let last: { key: string; ports: ListeningPort[] } | undefined;
  return async function listPorts() {
    const sockets = new Map<string, Socket>();
    for (const table of ["tcp", "tcp6"])
      for (const [inode, s] of parseListening(await readText(path.join(root, "net", table))))
        if (s.uid === opts.uid) sockets.set(inode, s);
    if (sockets.size === 0) return [];
    const key = [...sockets.keys()].sort().join(",");
    if (last?.key === key && (await stillOwned(root, last.ports, opts.uid))) return last.ports;
    const ports = await walk(root, sockets, opts.uid);
    last = { key, ports };
    return ports;
  };
}

async function stillOwned(root: string, ports: readonly ListeningPort[], uid: number): Promise<boolean> {
  for (const pid of new Set(ports.map((p) => p.pid)))
    if (!ownedBy(await readText(path.join(root, String(pid), "status")), uid)) return false;
  return true;
}

/** Finds, for each socket, the lowest pid of the dev user's that holds it. */
async function walk(root: string, sockets: Map<string, Socket>, uid: number): Promise<ListeningPort[]> {
  const found = new Map<string, ListeningPort>();
  let fdBudget = MAX_FDS;
  const pids = (await fsp.readdir(root).catch(() => [] as string[]))
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .sort((a, b) => a - b)
    .slice(0, MAX_PIDS);
  for (const pid of pids) {
    if (found.size === sockets.size || fdBudget <= 0) break;
    const dir = path.join(root, String(pid));
    if (!ownedBy(await readText(path.join(dir, "status")), uid)) continue;
    const fds = (await fsp.readdir(path.join(dir, "fd")).catch(() => [] as string[])).slice(0, fdBudget);
    fdBudget -= fds.length;
    const held: string[] = [];
    for (const fd of fds) {
      const link = await fsp.readlink(path.join(dir, "fd", fd)).catch(() => "");
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode !== undefined && sockets.has(inode) && !found.has(inode)) held.push(inode);
    }
    if (held.length === 0) continue;
    // comm ends with one newline; anything else in it is the process's own choice.
    const command = (await readText(path.join(dir, "comm"))).replace(/\n$/, "");
    // Checked again: had the pid exited and been reused since the first look, it is not the dev's now.
    if (!ownedBy(await readText(path.join(dir, "status")), uid)) continue;
    for (const inode of held) {
      const s = sockets.get(inode) as Socket;
      found.set(inode, { port: s.port, address: s.address, pid, command });
    }
  }
  return [...found.values()].sort((a, b) => a.port - b.port || a.address.localeCompare(b.address));
}
