#!/usr/bin/python3
# volume-bind.py: puts a host-mounted workspace volume into a running user-namespaced nspawn
# machine, or takes it out again (src/machines/volume-bind.ts runs it as root; x86_64 syscalls).
#
#   volume-bind.py bind LEADER SRC DST     clone the host mount SRC, idmap it with the machine's
#                                          user namespace, and attach it at DST inside the machine
#   volume-bind.py unbind LEADER DST DEV   detach DST inside the machine if it is filesystem DEV
#
# LEADER is the machine's PID 1 (as the host sees it). DST is resolved INSIDE the machine's mount
# namespace (after setns, "/" is the machine's root): whatever links the guest planted, the path
# can only name something in the guest's own tree, never a host path. Links are refused anyway
# (openat2 RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), so the volume lands exactly at DST or
# nowhere. Exit codes: 0 done (or nothing to do), 2 bad arguments, 3 DST's parent does not exist
# yet (the dev user's home: retry later), 4 a link or non-directory on DST's path, 1 other errors.
import ctypes
import os
import re
import sys

SYS_OPEN_TREE, SYS_MOVE_MOUNT, SYS_OPENAT2, SYS_MOUNT_SETATTR = 428, 429, 437, 442
OPEN_TREE_CLONE, AT_EMPTY_PATH, AT_FDCWD = 1, 0x1000, -100
MOVE_MOUNT_F_EMPTY_PATH, MOVE_MOUNT_T_EMPTY_PATH = 0x4, 0x40
MOUNT_ATTR_IDMAP, CLONE_NEWNS = 0x00100000, 0x00020000
RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS = 0x02, 0x04
MNT_DETACH, UMOUNT_NOFOLLOW = 0x2, 0x8
O_PATH, O_DIRECTORY, O_CLOEXEC = 0o10000000, 0o200000, 0o2000000

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


class MountAttr(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in ("attr_set", "attr_clr", "propagation", "userns_fd")]


class OpenHow(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in ("flags", "mode", "resolve")]


def fail(code, msg):
    sys.stderr.write("volume-bind: " + msg + "\n")
    sys.exit(code)


def check(r, what):
    if r < 0:
        err = ctypes.get_errno()
        if err == 2:
            fail(3, what + ": " + os.strerror(err))
        if err in (20, 40):  # ENOTDIR, ELOOP: a link or a file where a directory belongs
            fail(4, what + ": " + os.strerror(err))
        fail(1, what + ": " + os.strerror(err))
    return r


def open_dir(dirfd, path):
    """An O_PATH descriptor of a directory, no link followed anywhere on the path."""
    how = OpenHow(O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
    return check(
        libc.syscall(SYS_OPENAT2, dirfd, path.encode(), ctypes.byref(how), ctypes.sizeof(how)),
        "open " + path,
    )


def guest_path(p):
    # Absolute, plain components only: nothing that could walk up or mean something else.
    parts = p.split("/")[1:]
    # Dot-led names (".local") are plain too; "." and ".." are not.
    ok = p.startswith("/") and parts and all(re.fullmatch(r"(?!\.\.?$)[A-Za-z0-9._-]{1,128}", c) for c in parts)
    if not ok:
        fail(2, "bad guest path " + repr(p))
    return "/" + "/".join(parts[:-1]), parts[-1]


def enter(leader, with_userns):
    if not re.fullmatch(r"[1-9][0-9]{0,9}", leader):
        fail(2, "bad leader pid " + repr(leader))
    userns = os.open("/proc/%s/ns/user" % leader, os.O_RDONLY | os.O_CLOEXEC) if with_userns else -1
    mntns = os.open("/proc/%s/ns/mnt" % leader, os.O_RDONLY | os.O_CLOEXEC)
    return userns, mntns


def bind(leader, src, dst):
    if not src.startswith("/"):
        fail(2, "bad source " + repr(src))
    parent, leaf = guest_path(dst)
    userns, mntns = enter(leader, True)
    tree = check(libc.syscall(SYS_OPEN_TREE, AT_FDCWD, src.encode(), OPEN_TREE_CLONE | O_CLOEXEC), "open_tree")
    # On-disk uid k appears as the machine's k: the volume keeps real uids and can move machines.
    attr = MountAttr(MOUNT_ATTR_IDMAP, 0, 0, userns)
    check(
        libc.syscall(SYS_MOUNT_SETATTR, tree, b"", AT_EMPTY_PATH, ctypes.byref(attr), ctypes.sizeof(attr)),
        "mount_setattr",
    )
    check(libc.setns(mntns, CLONE_NEWNS), "setns")  # from here on "/" is the machine's root
    pfd = open_dir(AT_FDCWD, parent)
    try:
        os.mkdir(leaf, 0o755, dir_fd=pfd)
        # Made by host root: hand it to the home's owner, as the guest would have made it.
        st = os.fstat(pfd)
        os.chown(leaf, st.st_uid, st.st_gid, dir_fd=pfd, follow_symlinks=False)
    except FileExistsError:
        pass
    dfd = open_dir(pfd, leaf)
    if os.fstat(dfd).st_dev == os.fstat(tree).st_dev:
        return  # already there (a retried attach)
    check(
        libc.syscall(SYS_MOVE_MOUNT, tree, b"", dfd, b"", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH),
        "move_mount",
    )


def unbind(leader, dst, dev):
    guest_path(dst)
    m = re.fullmatch(r"([0-9]{1,6}):([0-9]{1,9})", dev)
    if not m:
        fail(2, "bad device " + repr(dev))
    want = os.makedev(int(m.group(1)), int(m.group(2)))
    _, mntns = enter(leader, False)
    check(libc.setns(mntns, CLONE_NEWNS), "setns")
    how = OpenHow(O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
    fd = libc.syscall(SYS_OPENAT2, AT_FDCWD, dst.encode(), ctypes.byref(how), ctypes.sizeof(how))
    if fd < 0 or os.fstat(fd).st_dev != want:
        return  # not (or no longer) our volume there: nothing of ours to detach
    # Lazily: a process of the guest may still have a file open; the guest's view goes at once.
    check(libc.umount2(dst.encode(), MNT_DETACH | UMOUNT_NOFOLLOW), "umount " + dst)


def main(argv):
    if len(argv) == 4 and argv[0] == "bind":
        bind(argv[1], argv[2], argv[3])
    elif len(argv) == 4 and argv[0] == "unbind":
        unbind(argv[1], argv[2], argv[3])
    else:
        fail(2, "usage: volume-bind.py bind LEADER SRC DST | unbind LEADER DST DEV")


main(sys.argv[1:])
