/**
 * Host-side access to a machine's files that never follows a link the guest made. Guest root
 * owns everything below a machine's root (and its overlay upper layer): any directory on a path
 * may be a symlink to a host folder, swapped in at any moment. So every step opens one name
 * relative to an already opened directory (`/proc/self/fd/N/NAME`, Node's stand-in for openat)
 * with O_NOFOLLOW, and works on that descriptor; a link anywhere on the way is an error (write)
 * or is removed as the link it is (removal), never followed. Removal also stops at mount points,
 * like `rm --one-file-system` (local-machines-2.md §2).
 */
import fs from "node:fs";
import { UserError } from "../core/errors.ts";
import { mountsUnder } from "./mounts.ts";

// libuv opens every descriptor close-on-exec already.
const { O_RDONLY, O_WRONLY, O_CREAT, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

/** `name` inside the directory open as `fd`, resolved by the kernel from that directory only. */
const at = (fd: number, name: string) => `/proc/self/fd/${fd}/${name}`;

/** A path in a machine's files that spuff refused to use: one of the closed set of user errors. */
export class GuestPathError extends UserError {
  constructor(
    readonly rel: string,
    why: string,
  ) {
    super("machine_unsafe_path", `Refusing ${rel} in a machine's files: ${why}`, {
      hint: "A machine's own files changed that path (a link or special file); spuff never follows those.",
    });
  }
}

function parts(rel: string): string[] {
  const p = rel.split("/").filter(Boolean);
  for (const c of p) if (c === "." || c === "..") throw new GuestPathError(rel, "'.' or '..' in the path");
  return p;
}

export interface Owner {
  uid: number;
  gid: number;
}

/**
 * Opens ROOT/REL as a directory, one component at a time; with `create`, missing directories
 * are made (mode 0755, owned by `create`). Throws GuestPathError when a component is a link or
 * not a directory. The caller closes the descriptor.
 */
export function openDirBeneath(root: string, rel: string, create?: Owner): number {
  let fd = fs.openSync(root, DIR_FLAGS);
  try {
    for (const c of parts(rel)) {
      if (create) mkdirAt(fd, c, create);
      let next: number;
      try {
        next = fs.openSync(at(fd, c), DIR_FLAGS);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ELOOP" || code === "ENOTDIR") throw new GuestPathError(rel, `${c} is not a directory`);
        throw err;
      }
      fs.closeSync(fd);
      fd = next;
    }
    return fd;
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

function mkdirAt(fd: number, name: string, owner: Owner): void {
  try {
    fs.mkdirSync(at(fd, name), { mode: 0o755 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return;
    throw err;
  }
  // Just made by us: still a directory unless the guest raced us, which O_NOFOLLOW then refuses.
  const dfd = fs.openSync(at(fd, name), DIR_FLAGS);
  try {
    fs.fchownSync(dfd, owner.uid, owner.gid);
  } finally {
    fs.closeSync(dfd);
  }
}

export interface WriteOptions {
  mode: number;
  /** Owner of the file and of directories made on the way (a user-namespaced guest's root). */
  owner?: Owner;
}

/** Writes ROOT/REL as a regular file, making its directories; never through a link or into a FIFO/device. */
export function writeFileBeneath(root: string, rel: string, data: string, o: WriteOptions): void {
  const p = parts(rel);
  const name = p.pop();
  if (!name) throw new GuestPathError(rel, "no file name");
  const dfd = openDirBeneath(root, p.join("/"), o.owner ?? { uid: 0, gid: 0 });
  try {
    let fd: number;
    try {
      // O_NONBLOCK: a planted FIFO must not hang the host.
      fd = fs.openSync(at(dfd, name), O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK, o.mode);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ELOOP") throw new GuestPathError(rel, "it is a link");
      // A FIFO without a reader (O_NONBLOCK) or a device node with no driver.
      if (code === "ENXIO" || code === "ENODEV") throw new GuestPathError(rel, "not a regular file");
      throw err;
    }
    try {
      if (!fs.fstatSync(fd).isFile()) throw new GuestPathError(rel, "not a regular file");
      if (o.owner) fs.fchownSync(fd, o.owner.uid, o.owner.gid);
      fs.fchmodSync(fd, o.mode);
      fs.ftruncateSync(fd, 0);
      fs.writeSync(fd, data);
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    fs.closeSync(dfd);
  }
}

/**
 * Removes ROOT/REL if it is there. Whatever stands on the way that is not a real directory (a
 * link the guest planted in place of one) is removed itself and ends the walk: the path then
 * no longer exists below ROOT, and nothing outside was touched.
 */
export function removeBeneath(root: string, rel: string): void {
  const p = parts(rel);
  let fd = fs.openSync(root, DIR_FLAGS);
  const dev = fs.fstatSync(fd).dev;
  try {
    for (const [i, c] of p.entries()) {
      const st = lstatAt(fd, c);
      if (!st) return;
      if (i === p.length - 1 || !st.isDirectory()) {
        removeAt(fd, c, dev);
        return;
      }
      const next = fs.openSync(at(fd, c), DIR_FLAGS);
      fs.closeSync(fd);
      fd = next;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Removes the whole tree ROOT (a machine folder), never through a link, never across a mount:
 * a mount left below it (an overlay or idmapped layer that did not unmount) is refused first,
 * since a bind of the same filesystem has the same st_dev and the walk alone cannot see it.
 */
export function removeTree(root: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(root);
  } catch {
    return;
  }
  const mounted = st.isDirectory() ? mountsUnder(fs.realpathSync(root)) : [];
  if (mounted.length > 0) throw new GuestPathError(root, `${mounted[0]} is a mount point (unmount it first)`);
  if (!st.isDirectory()) {
    fs.unlinkSync(root);
    return;
  }
  const fd = fs.openSync(root, DIR_FLAGS);
  try {
    for (const e of fs.readdirSync(at(fd, ""))) removeAt(fd, e, st.dev);
  } finally {
    fs.closeSync(fd);
  }
  fs.rmdirSync(root);
}

/** Removes the entries of ROOT/REL that match (e.g. ssh host keys); a link standing there instead goes itself. */
export function removeMatching(root: string, rel: string, match: (name: string) => boolean): void {
  let fd: number;
  try {
    fd = openDirBeneath(root, rel);
  } catch (err) {
    // A link or a file where the directory should be: removing it removes every match.
    if (err instanceof GuestPathError) {
      removeBeneath(root, rel);
      return;
    }
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  try {
    const dev = fs.fstatSync(fd).dev;
    for (const e of fs.readdirSync(at(fd, ""))) if (match(e)) removeAt(fd, e, dev);
  } finally {
    fs.closeSync(fd);
  }
}

function lstatAt(fd: number, name: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(at(fd, name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function removeAt(dfd: number, name: string, dev: number): void {
  const st = lstatAt(dfd, name);
  if (!st) return;
  if (!st.isDirectory()) {
    fs.unlinkSync(at(dfd, name));
    return;
  }
  if (st.dev !== dev) throw new GuestPathError(name, "a mount point (unmount it first)");
  const fd = fs.openSync(at(dfd, name), DIR_FLAGS);
  try {
    for (const e of fs.readdirSync(at(fd, ""))) removeAt(fd, e, dev);
  } finally {
    fs.closeSync(fd);
  }
  fs.rmdirSync(at(dfd, name));
}
