/**
 * User namespaces for nspawn machines (local-machines-2.md §1.2): guest uid k is host uid
 * BASE+k. The image's layers stay unshifted on disk; each is bind-mounted *idmapped* (on-disk
 * k appears as BASE+k) as an overlay lower layer under a plain upper, so nothing is chowned or
 * copied, and nspawn runs with `--private-users=BASE:65536 --private-users-ownership=off`.
 */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { run } from "./run.ts";

export const UID_RANGE = 65536;
/** Far above any host account; one 64 Ki slot per loopback address (2…254), so no two machines share. */
const FIRST_BASE = 0x2000_0000;

/** A machine's UID base, from its host-wide claimed address 127.0.0.N (unique while it lives). */
export function uidBaseFor(address: string): number {
  const m = /^127\.0\.0\.(\d{1,3})$/.exec(address);
  const n = Number(m?.[1]);
  if (!m || n < 1 || n > 254) throw new UserError("machines_bad_address", `No UID range for ${address}.`);
  return FIRST_BASE + n * UID_RANGE;
}

/**
 * Linux has no command for an idmapped bind mount in Debian 12's util-linux (2.38 lacks
 * X-mount.idmap), and Node cannot make the syscalls, so a short python3 program does it:
 * a throw-away user namespace carries the mapping, open_tree(OPEN_TREE_CLONE) copies the mount,
 * mount_setattr(MOUNT_ATTR_IDMAP) applies the mapping, move_mount puts it in place. x86_64
 * syscall numbers. argv: BASE COUNT SRC DST [SRC DST …].
 */
const IDMAP_PY = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
OPEN_TREE, MOVE_MOUNT, MOUNT_SETATTR = 428, 429, 442
CLONE, CLOEXEC, EMPTY_PATH, F_EMPTY_PATH = 1, 0o2000000, 0x1000, 0x4
ATTR_IDMAP, NEWUSER = 0x00100000, 0x10000000
class Attr(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in ("set", "clr", "propagation", "userns_fd")]
def ok(r, what):
    if r < 0:
        sys.exit(what + ": " + os.strerror(ctypes.get_errno()))
    return r
base, count, pairs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
ready_r, ready_w = os.pipe()
go_r, go_w = os.pipe()
child = os.fork()
if child == 0:
    ok(libc.unshare(NEWUSER), "unshare")
    os.write(ready_w, b"x")
    os.read(go_r, 1)
    os._exit(0)
os.read(ready_r, 1)
for f in ("uid_map", "gid_map"):
    with open("/proc/%d/%s" % (child, f), "w") as m:
        m.write("0 %d %d\\n" % (base, count))
userns = os.open("/proc/%d/ns/user" % child, os.O_RDONLY | os.O_CLOEXEC)
os.write(go_w, b"x")
os.waitpid(child, 0)
for src, dst in zip(pairs[0::2], pairs[1::2]):
    fd = ok(libc.syscall(OPEN_TREE, -100, src.encode(), CLONE | CLOEXEC), "open_tree " + src)
    attr = Attr(ATTR_IDMAP, 0, 0, userns)
    ok(libc.syscall(MOUNT_SETATTR, fd, b"", EMPTY_PATH, ctypes.byref(attr), ctypes.sizeof(attr)), "mount_setattr " + src)
    ok(libc.syscall(MOVE_MOUNT, fd, b"", -100, dst.encode(), F_EMPTY_PATH), "move_mount " + dst)
`;

/** Mounts each layer idmapped on its target (made here, 0755); returns the targets in order. */
export async function mountIdmapped(layers: string[], targetDir: string, base: number): Promise<string[]> {
  const targets = layers.map((_, i) => path.join(targetDir, `lower-${i}`));
  for (const t of targets) fs.mkdirSync(t, { mode: 0o755 });
  const pairs = layers.flatMap((l, i) => [l, targets[i] as string]);
  await run("python3", ["-c", IDMAP_PY, String(base), String(UID_RANGE), ...pairs]);
  return targets;
}

/**
 * A user-namespaced machine's upper layer stores BASE+k; a snapshot image must hold plain k
 * again so any later machine (another BASE) maps it. lchown clears setuid/setgid bits, so the
 * mode is put back after it (links have no mode of their own).
 */
export function unshiftTree(dir: string, base: number): void {
  const shift = (id: number) => (id >= base && id < base + UID_RANGE ? id - base : id);
  const visit = (p: string) => {
    const st = fs.lstatSync(p);
    const uid = shift(st.uid);
    const gid = shift(st.gid);
    if (uid !== st.uid || gid !== st.gid) {
      fs.lchownSync(p, uid, gid);
      if (!st.isSymbolicLink()) fs.chmodSync(p, st.mode & 0o7777);
    }
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
  };
  visit(dir);
}
