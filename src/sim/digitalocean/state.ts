/** The simulated account: droplets, actions, snapshots and SSH keys, with time-derived status. */
import type { MachineBackend } from "../backend.ts";
import type { Timeline } from "../timeline.ts";
import type { SimFirewall } from "./firewalls.ts";

export interface SimDroplet {
  id: number;
  name: string;
  region: string;
  size: string;
  image: { id: number; slug: string | null; name: string; distribution: string; type: string };
  tags: string[];
  userData: string;
  sshKeys: number[];
  createdAt: number;
  ip: string;
  snapshotIds: number[];
}

export interface SimAction {
  id: number;
  type: string;
  startedAt: number;
  dropletId: number;
  region: string;
  snapshotName?: string;
  /** The machine backend's image of the droplet's disk (machine backends only). */
  backendImage?: string;
  done: boolean;
  /** Volume actions (attach_volume, detach_volume, resize): the volume, and a resize's new size. */
  volumeId?: string;
  volumeSizeGb?: number;
}

export interface SimVolume {
  id: string;
  name: string;
  description: string;
  region: string;
  sizeGb: number;
  tags: string[];
  createdAt: number;
  dropletIds: number[];
}

export interface SimSnapshot {
  id: number;
  name: string;
  createdAt: number;
  region: string;
  sizeGb: number;
  minDisk: number;
  dropletId: number;
  backendImage?: string;
}

export interface SimKey {
  id: number;
  name: string;
  public_key: string;
  fingerprint: string;
}

export class DoState {
  readonly droplets = new Map<number, SimDroplet>();
  readonly actions = new Map<number, SimAction>();
  readonly snapshots = new Map<number, SimSnapshot>();
  readonly keys = new Map<number, SimKey>();
  readonly firewalls = new Map<string, SimFirewall>();
  readonly volumes = new Map<string, SimVolume>();
  /** Every droplet DELETE: which token did it and from which address (a machine's own 127.0.0.N). */
  readonly deletions: { id: number; token: string; remote: string }[] = [];
  private seq = 100_000_000;

  constructor(
    readonly timeline: Timeline,
    readonly backend: MachineBackend,
  ) {}

  /** The droplet a request came from: machines leave from their droplet's address (SlirpOptions). */
  dropletAt(address: string): SimDroplet | undefined {
    return [...this.droplets.values()].find((d) => d.ip === address);
  }

  nextId(): number {
    return ++this.seq;
  }

  /** Volume ids are UUIDs on DO; these are deterministic ones. */
  nextUuid(): string {
    return `506f78a4-e098-11e5-ad9f-${this.nextId().toString(16).padStart(12, "0")}`;
  }

  pendingVolumeAction(volumeId: string): boolean {
    return [...this.actions.values()].some((a) => a.volumeId === volumeId && !a.done);
  }

  /** Active once the timeline says so and, with a machine backend, its sshd answers. */
  isActive(d: SimDroplet): boolean {
    return this.timeline.isActive(d.createdAt) && this.backend.isReady(String(d.id));
  }

  /** Complete due actions; a completed snapshot action creates its snapshot. */
  settle(): void {
    for (const a of this.actions.values()) {
      if (a.done || !this.timeline.actionDone(a.startedAt)) continue;
      a.done = true;
      const d = this.droplets.get(a.dropletId);
      if (a.volumeId) {
        settleVolumeAction(this, a);
        continue;
      }
      if (a.type === "snapshot" && a.snapshotName) {
        const id = this.nextId();
        this.snapshots.set(id, {
          id,
          name: a.snapshotName,
          createdAt: this.timeline.now(),
          region: a.region,
          sizeGb: 2.36,
          minDisk: 25,
          dropletId: a.dropletId,
          ...(a.backendImage ? { backendImage: a.backendImage } : {}),
        });
        d?.snapshotIds.push(id);
      }
    }
  }
}

/** A volume action's effect, once it completes (DO shows the attachment only then). */
function settleVolumeAction(st: DoState, a: SimAction): void {
  const v = a.volumeId ? st.volumes.get(a.volumeId) : undefined;
  if (!v) return;
  if (a.type === "attach_volume" && st.droplets.has(a.dropletId)) v.dropletIds = [a.dropletId];
  if (a.type === "detach_volume") v.dropletIds = v.dropletIds.filter((x) => x !== a.dropletId);
  if (a.type === "resize" && a.volumeSizeGb) v.sizeGb = a.volumeSizeGb;
}
