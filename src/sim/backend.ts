/**
 * What stands behind a simulated instance. `none` only hands out loopback addresses; the machine
 * backends (src/sim/machine-backend.ts: nspawn, qemu) boot a real machine from the user-data the
 * client sent, so spuff's production path (SSH, agent, cloud-init) runs against it unchanged.
 */

export interface MachineBackend {
  readonly name: string;
  /**
   * Start booting a machine; resolves with the address it will answer on once started (not yet
   * ready). Simulators call it from the create request and report the instance active only
   * when `isReady` says so.
   */
  create(userData: string, instanceId: string, fromImage?: string): Promise<{ ip: string }>;
  /**
   * Optional: save the instance's disk as an image (machine backends: a snapshot layer) and
   * return its name, for `create(…, fromImage)`; `deleteImage` removes it. `none` has no disks.
   */
  snapshot?(instanceId: string): Promise<string>;
  deleteImage?(image: string): Promise<void>;
  /** True once the machine serves an SSH banner (always true for `none`). */
  isReady(instanceId: string): boolean;
  /** Stops the machine and frees everything it held; resolves when it is gone. */
  destroy(instanceId: string): Promise<void>;
  /** Destroys every machine this backend started (simulator shutdown). */
  close(): Promise<void>;
  /**
   * Optional: subscribe to machines stopping on their own (the guest powered off, as the agent's
   * idle teardown does). The EC2 simulator ends an instance launched with
   * InstanceInitiatedShutdownBehavior=terminate when it fires. Backends that cannot notice a
   * guest poweroff leave it out.
   */
  onStopped?(listener: (instanceId: string) => void): void;
  /**
   * Optional: make exactly these ports of the instance's public address reach the guest (see
   * public-ports.ts); the simulators call it with what the firewalls covering the instance allow,
   * whenever that changes. A backend without it keeps only what it always forwards (qemu: 22).
   */
  setOpenPorts?(instanceId: string, ports: readonly number[]): Promise<void>;
  /** The ports last set open for an instance (undefined before any call). */
  openPorts?(instanceId: string): readonly number[] | undefined;
  /**
   * Optional (machine backends): plug a volume into the instance's machine as a block device at
   * `/dev/disk/by-id/<byId>`, its data kept on the host by volume id across machines.
   */
  attachVolume?(instanceId: string, volume: SimVolumeDevice): Promise<void>;
  detachVolume?(instanceId: string, volumeId: string): Promise<void>;
  resizeVolume?(volumeId: string, sizeGb: number): Promise<void>;
  /** The volume's data on the host goes. */
  deleteVolume?(volumeId: string): Promise<void>;
}

export interface SimVolumeDevice {
  id: string;
  sizeGb: number;
  /** The provider's device name under /dev/disk/by-id (e.g. scsi-0DO_Volume_<name>). */
  byId: string;
}

/** Allocates 127.0.0.N (N = 2…254, then 127.0.1.x …) without booting anything. */
export function noneBackend(): MachineBackend {
  let next = 2;
  const ips = new Map<string, string>();
  const open = new Map<string, readonly number[]>();
  return {
    name: "none",
    async create(_userData, instanceId) {
      const n = next++;
      const ip = `127.0.${Math.floor(n / 254)}.${(n % 254) + 1}`;
      ips.set(instanceId, ip);
      return { ip };
    },
    isReady: () => true,
    async setOpenPorts(instanceId, ports) {
      if (ips.has(instanceId)) open.set(instanceId, [...ports]);
    },
    openPorts: (instanceId) => open.get(instanceId),
    async destroy(instanceId) {
      ips.delete(instanceId);
      open.delete(instanceId);
    },
    async close() {
      ips.clear();
    },
  };
}

/**
 * The one path every simulator's snapshot/image action takes to carry the instance's disk: the
 * backend's image name when it has disks (machine backends), undefined for `none`. Instances
 * created with that name (`create(…, fromImage)`) boot the saved disk.
 */
export function snapshotDisk(b: MachineBackend, instanceId: string): Promise<string | undefined> {
  return b.snapshot ? b.snapshot(instanceId) : Promise.resolve(undefined);
}

/** The provider's image/snapshot is gone: its backend image (if any) goes with it. */
export async function dropDiskImage(b: MachineBackend, image: string | undefined): Promise<void> {
  if (image) await b.deleteImage?.(image);
}
