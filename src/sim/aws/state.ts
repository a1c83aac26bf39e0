/**
 * The simulated AWS account, all regions: instances, images, EBS snapshots, key pairs and
 * security groups. Transitional states (pending, shutting-down, image pending) are derived from
 * the clock at read time, like the other simulators; a machine backend gates "running".
 */
import type { MachineBackend } from "../backend.ts";
import type { Timeline } from "../timeline.ts";
import { type Arch, PUBLIC_IMAGES, publicImageId, REGIONS } from "./catalog.ts";
import type { SpotRequest } from "./spot.ts";

/** EC2's StateReason code for a spot instance it took back. */
export const SPOT_RECLAIMED = "Server.SpotInstanceTermination";

export interface Tag {
  Key: string;
  Value: string;
}

export type InstanceStateName =
  | "pending"
  | "running"
  | "shutting-down"
  | "terminated"
  | "stopping"
  | "stopped";

export interface SimInstance {
  id: string;
  region: string;
  reservationId: string;
  imageId: string;
  type: string;
  arch: Arch;
  keyName?: string;
  groupIds: string[];
  tags: Tag[];
  userData: string;
  clientToken?: string;
  /** What the request looked like apart from its token: a re-send must match it. */
  requestDigest: string;
  shutdownBehavior: "stop" | "terminate";
  launchedAt: number;
  /** Address from the machine backend: reported only once the instance is running. */
  ip: string;
  privateIp: string;
  rootVolumeGb: number;
  /** Set when the instance started leaving "running" (terminate, or the guest powered off). */
  ended?: { at: number; to: "terminated" | "stopped"; reason: string };
  /** A spot instance: its request, and the interruption notice once AWS has given one. */
  spot?: SpotRequest & { notice?: { action: "terminate"; at: number } };
}

export interface SimImage {
  id: string;
  region: string;
  name: string;
  description: string;
  ownerId: string;
  ownerAlias?: string;
  public: boolean;
  arch: Arch;
  createdAt: number;
  /** Public images are available from the start; created ones after the timeline's action delay. */
  readyAt: number;
  snapshotIds: string[];
  rootVolumeGb: number;
  sourceInstanceId?: string;
  tags: Tag[];
  /** The machine backend's image of the instance's disk (created AMIs, machine backends only). */
  backendImage?: string;
}

export interface SimSnapshot {
  id: string;
  region: string;
  volumeId: string;
  sizeGb: number;
  description: string;
  startedAt: number;
  tags: Tag[];
}

export interface SimKeyPair {
  id: string;
  region: string;
  name: string;
  fingerprint: string;
  type: "rsa" | "ed25519";
  publicKey: string;
  createdAt: number;
  tags: Tag[];
}

export interface SimSecurityGroup {
  id: string;
  region: string;
  name: string;
  description: string;
  vpcId: string;
  ingress: { protocol: string; from?: number; to?: number; cidrs: string[]; cidrsV6: string[] }[];
  tags: Tag[];
}

export class AwsState {
  readonly instances = new Map<string, SimInstance>();
  readonly images = new Map<string, SimImage>();
  readonly snapshots = new Map<string, SimSnapshot>();
  readonly keyPairs = new Map<string, SimKeyPair>();
  readonly groups = new Map<string, SimSecurityGroup>();
  private seq = 0x1000;

  constructor(
    readonly timeline: Timeline,
    readonly backend: MachineBackend,
  ) {
    for (const region of REGIONS) {
      for (const p of PUBLIC_IMAGES) {
        const id = publicImageId(region, p.name);
        const at = Date.parse(p.created);
        this.images.set(id, {
          id,
          region,
          name: p.name,
          description: p.description,
          ownerId: p.owner,
          ownerAlias: p.ownerAlias,
          public: true,
          arch: p.arch,
          createdAt: at,
          // Always available, whatever clock the simulator runs on.
          readyAt: Number.NEGATIVE_INFINITY,
          snapshotIds: [],
          rootVolumeGb: 8,
          tags: [],
        });
      }
      const sg = this.newId("sg");
      this.groups.set(sg, {
        id: sg,
        region,
        name: "default",
        description: "default VPC security group",
        vpcId: defaultVpc(region),
        ingress: [],
        tags: [],
      });
    }
  }

  /** Instances not terminating or terminated, in every region: what still runs (and bills). */
  liveInstances(): SimInstance[] {
    return [...this.instances.values()].filter((i) => i.ended?.to !== "terminated");
  }

  /** EC2-style id: prefix + 17 hex digits, unique across the account. */
  newId(prefix: string): string {
    return `${prefix}-${(++this.seq).toString(16).padStart(17, "0")}`;
  }

  instanceState(i: SimInstance): InstanceStateName {
    const now = this.timeline.now();
    if (i.ended) {
      const done = this.timeline.actionDone(i.ended.at);
      if (i.ended.to === "terminated") return done ? "terminated" : "shutting-down";
      return done ? "stopped" : "stopping";
    }
    const running = now >= i.launchedAt + this.timeline.activeAfterMs && this.backend.isReady(i.id);
    return running ? "running" : "pending";
  }

  imageState(img: SimImage): "pending" | "available" {
    return this.timeline.now() >= img.readyAt ? "available" : "pending";
  }

  snapshotState(s: SimSnapshot): "pending" | "completed" {
    return this.timeline.actionDone(s.startedAt) ? "completed" : "pending";
  }

  /** Begin terminating (idempotent); the backend's machine is released right away. */
  async terminate(i: SimInstance, reason: string): Promise<void> {
    if (i.ended?.to === "terminated") return;
    i.ended = { at: this.timeline.now(), to: "terminated", reason };
    await this.backend.destroy(i.id);
  }

  /** The instance a machine's source address belongs to (its backend 127.0.0.N), live or not. */
  instanceAt(address: string): SimInstance | undefined {
    return [...this.instances.values()].find((i) => i.ip === address && !i.ended);
  }

  /**
   * Test control: AWS takes a spot instance back. From now on its metadata service serves the
   * notice; at `now + noticeMs` (EC2 gives two minutes) the instance is terminated, seen by the
   * next call that settles due reclaims (every API and metadata request does).
   */
  interruptSpot(instanceId: string, noticeMs = 120_000): { action: "terminate"; at: number } {
    const i = this.instances.get(instanceId);
    if (!i?.spot) throw new Error(`${instanceId} is not a spot instance`);
    if (i.ended) throw new Error(`${instanceId} has already ended`);
    i.spot.notice = { action: "terminate", at: this.timeline.now() + noticeMs };
    return i.spot.notice;
  }

  /** Terminates the spot instances whose notice time has passed (the clock decides, as elsewhere). */
  async settleReclaims(): Promise<void> {
    const now = this.timeline.now();
    for (const i of this.instances.values()) {
      const notice = i.spot?.notice;
      if (!notice || i.ended || now < notice.at) continue;
      i.ended = { at: notice.at, to: "terminated", reason: SPOT_RECLAIMED };
      await this.backend.destroy(i.id);
    }
  }

  /**
   * The guest powered itself off (the agent's idle teardown). Launched with shutdown behaviour
   * "terminate", that ends the instance as on EC2; with "stop" it stays, stopped.
   */
  async guestStopped(instanceId: string): Promise<void> {
    const i = this.instances.get(instanceId);
    if (!i || i.ended) return;
    if (i.shutdownBehavior === "terminate") return this.terminate(i, "Client.InstanceInitiatedShutdown");
    i.ended = { at: this.timeline.now(), to: "stopped", reason: "Client.InstanceInitiatedShutdown" };
  }
}

/** One default VPC per region, as every account has. */
export const defaultVpc = (region: string) => `vpc-${Buffer.from(region).toString("hex").slice(0, 17)}`;
