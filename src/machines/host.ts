/**
 * Can this computer run local machines? Checked before anything is created, each failure with
 * the step that fixes it.
 */
import { UserError } from "../core/errors.ts";
import { which } from "./run.ts";
import type { DriverName } from "./types.ts";

const PROGRAMS: Record<DriverName, { program: string; pkg: string }[]> = {
  nspawn: [
    { program: "systemd-nspawn", pkg: "systemd-container" },
    { program: "slirp4netns", pkg: "slirp4netns" },
    { program: "ip", pkg: "iproute2" },
    { program: "mount", pkg: "mount" },
    // The idmapped mounts of a machine's layers (userns.ts).
    { program: "python3", pkg: "python3" },
  ],
  qemu: [
    { program: "qemu-system-x86_64", pkg: "qemu-system-x86" },
    { program: "qemu-img", pkg: "qemu-utils" },
    { program: "genisoimage", pkg: "genisoimage" },
    { program: "mkfs.ext4", pkg: "e2fsprogs" },
  ],
};

export interface HostFacts {
  platform: NodeJS.Platform;
  uid: number;
  which(program: string): string | undefined;
}

export const realHost = (): HostFacts => ({
  platform: process.platform,
  uid: process.getuid?.() ?? -1,
  which,
});

/** Throws the first reason `driver` cannot run here. */
export function assertHostCanRun(driver: DriverName, host: HostFacts = realHost()): void {
  assertLinuxRoot(host);
  assertPrograms(PROGRAMS[driver], `The ${driver} backend`, host);
}

/** Tools `spuff image build` needs. */
export function assertHostCanBuildImage(host: HostFacts = realHost()): void {
  assertLinuxRoot(host);
  assertPrograms(
    [
      { program: "debootstrap", pkg: "debootstrap" },
      { program: "chroot", pkg: "coreutils" },
    ],
    "Building the image",
    host,
  );
}

function assertLinuxRoot(host: HostFacts): void {
  if (host.platform !== "linux") {
    throw new UserError("machines_not_linux", `Local machines need Linux (this is ${host.platform}).`, {
      hint: "Use a cloud provider instead: spuff up --provider digitalocean (or hetzner, aws).",
    });
  }
  if (host.uid !== 0) {
    throw new UserError("machines_not_root", "Local machines need root (network namespaces, mounts).", {
      hint: "Run spuff as root (e.g. sudo -E spuff …), or use a cloud provider.",
    });
  }
}

function assertPrograms(needs: { program: string; pkg: string }[], what: string, host: HostFacts): void {
  const missing = needs.filter((p) => !host.which(p.program));
  if (missing.length === 0) return;
  throw new UserError(
    "machines_missing_tools",
    `${what} needs ${missing.map((m) => m.program).join(", ")}, not found on PATH.`,
    { hint: `Install: apt-get install -y ${[...new Set(missing.map((m) => m.pkg))].join(" ")}` },
  );
}
