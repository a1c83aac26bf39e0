/**
 * Binding a host-mounted volume into a running user-namespaced nspawn machine, and out again
 * (local-machines-2.md §3b): an ext4 mount is refused inside a user namespace, so the host mounts
 * it and scripts/volume-bind.py attaches an idmapped clone of that mount inside the machine's
 * mount namespace (open_tree, mount_setattr with the machine's userns, setns, move_mount; ~25 ms).
 * Node cannot make these syscalls; python3 is on every host that runs machines.
 */
import { EMBEDDED_SCRIPTS } from "../cloudinit/scripts.generated.ts";
import { UserError } from "../core/errors.ts";
import { GuestPathError } from "./guest-fs.ts";
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

/** Detaches `dst` inside the machine when the filesystem there is `device` (MAJOR:MINOR); else nothing. */
export async function unbindFromMachine(leader: number, dst: string, device: string): Promise<void> {
  await run("python3", ["-c", script(), "unbind", String(leader), dst, device]);
}
