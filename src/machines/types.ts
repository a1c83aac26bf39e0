/**
 * Local machines: real machines (a container booting systemd, or a QEMU VM) started from spuff's
 * Debian image with a NoCloud seed, each answering SSH on its own loopback address 127.0.0.N:22.
 * The record on disk is written before anything is started, so a killed CLI leaves a trail that
 * `gc` can follow.
 */

export type DriverName = "nspawn" | "qemu";
export const DRIVER_NAMES: readonly DriverName[] = ["nspawn", "qemu"];

export type MachineState = "creating" | "running" | "stopping";

export interface MachineRecord {
  /** `m-` + 10 hex digits: also names its folder, netns and overlay. */
  id: string;
  /** Caller's name (instance name); becomes the machine's hostname when the user-data sets none. */
  name: string;
  driver: DriverName;
  /** Image the machine was started from (a base image or a snapshot image). */
  image: string;
  /** 127.0.0.N: sshd answers on port 22 there. */
  address: string;
  /** NoCloud instance-id: unique per create so cloud-init runs its per-instance modules. */
  instanceId: string;
  state: MachineState;
  /** The process creating it; a `creating` record whose creator is gone is debris for gc. */
  creatorPid: number;
  /** Main process (systemd-nspawn or qemu), once spawned. */
  pid?: number;
  /** nspawn: guest uid k is host uid uidBase+k (its own user namespace). */
  uidBase?: number;
  /** User-mode NAT helper, once spawned. */
  slirpPid?: number;
  labels: Record<string, string>;
  /** Guest memory in MiB (qemu). */
  memoryMb?: number;
  /** ISO 8601. */
  createdAt: string;
}

export interface CreateMachineRequest {
  name: string;
  /** Exact user-data bytes: written unchanged into the NoCloud seed. */
  userData: string;
  image: string;
  driver?: DriverName;
  labels?: Record<string, string>;
  memoryMb?: number;
}
