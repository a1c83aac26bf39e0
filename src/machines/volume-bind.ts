/**
 * Binding a host-mounted volume into a running user-namespaced nspawn machine, and out again
 * (local-machines-2.md §3b): an ext4 mount is refused inside a user namespace, so the host mounts
 * it and scripts/volume-bind.py attaches an idmapped clone of that mount inside the machine's
 * mount namespace (open_tree, mount_setattr with the machine's userns, setns, move_mount; ~25 ms).
 * Node cannot make these syscalls; python3 is on every host that runs machines.
 */
import fs from "node:fs";
import { EMBEDDED_SCRIPTS } from "../cloudinit/scripts.generated.ts";
import { UserError } from "../core/errors.ts";
import { GuestPathError } from "./guest-fs.ts";
import { otherPids } from "./procs.ts";
import { run } from "./run.ts";

/** The dev user's home appears when cloud-init's users module has run (before sshd, usually). */
const HOME_WAIT_MS = 60_000;
const RETRY_MS = 200;

const script = () => EMBEDDED_SCRIPTS["volume-bind.py"];

function exitCode(err: unknown): number | undefined {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === "number" ? cause.code : undefined;
}

/**
 * Attaches the mount at `src` (a host path spuff chose) at `dst` inside the machine whose PID 1
 * is `leader`; waits (bounded) for `dst`'s parent to exist. A link anywhere on `dst` inside the
 * machine is refused (GuestPathError), never followed.
 */
export async function bindIntoMachine(leader: number, src: string, dst: string): Promise<void> {
  const deadline = Date.now() + HOME_WAIT_MS;
  for (let i = 0; i < HOME_WAIT_MS / RETRY_MS + 1; i++) {
    try {
      await run("python3", ["-c", script(), "bind", String(leader), src, dst]);
      return;
    } catch (err) {
      const code = exitCode(err);
      if (code === 4)
        throw new GuestPathError(dst, "a link or a file stands on that path inside the machine");
      if (code !== 3 || Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  throw new UserError("volume_attach_failed", `${dst} did not appear inside the machine.`);
}

/**
 * Detaches the volume (filesystem `device`, MAJOR:MINOR) at `dst` inside the machine, and then
 * every copy of it elsewhere (`unbindCopies`).
 */
export async function unbindFromMachine(leader: number, dst: string, device: string): Promise<void> {
  await run("python3", ["-c", script(), "unbind", String(leader), dst, device]);
  await unbindCopies(device);
}

/**
 * Detaches every copy of the volume's filesystem from mount namespaces other than this process's
 * own: those the machine's sandboxed services took when they started after the bind
 * (systemd-resolved and the like), and those made on the host while the volume was mounted there
 * (`ip netns exec` for a qemu machine copies the host's mounts; on a host whose "/" is private,
 * the host's unmount does not reach such a copy). A copy left anywhere keeps the filesystem, and so
 * the loop device, busy. Best effort per copy: the caller then waits for the loop device.
 */
export async function unbindCopies(device: string): Promise<void> {
  for (const { pid, mountPoint } of copiesOf(device))
    await run("python3", ["-c", script(), "unbind", String(pid), mountPoint, device]).catch(() => undefined);
}

/** One process per mount namespace other than ours that shows `device`, with where it is mounted. */
function copiesOf(device: string): { pid: number; mountPoint: string }[] {
  const nsOf = (pid: number | "self") => {
    try {
      return fs.readlinkSync(`/proc/${pid}/ns/mnt`);
    } catch {
      return undefined;
    }
  };
  const seen = new Set([nsOf("self")]);
  const out: { pid: number; mountPoint: string }[] = [];
  for (const pid of otherPids()) {
    const mnt = nsOf(pid);
    if (!mnt || seen.has(mnt)) continue;
    seen.add(mnt);
    let info = "";
    try {
      info = fs.readFileSync(`/proc/${pid}/mountinfo`, "utf8");
    } catch {
      continue;
    }
    for (const line of info.split("\n")) {
      const f = line.split(" ");
      // Mount points with escapes (spaces…) are not ours: volume-bind.py takes plain paths only.
      if (f[2] === device && f[4] && !f[4].includes("\\")) out.push({ pid, mountPoint: f[4] });
    }
  }
  return out;
}
