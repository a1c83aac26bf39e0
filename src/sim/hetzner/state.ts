/**
 * The simulated Hetzner project: servers, actions, images and SSH keys. Status is derived from
 * the timeline at read time, and a server is only "running" once its machine backend has given
 * it an address and says it is ready (sshd answers), so a real machine decides when it is up.
 */
import type { MachineBackend } from "../backend.ts";
import type { Timeline } from "../timeline.ts";
import type { SimFirewall } from "./firewalls.ts";
import type { SimHcVolume } from "./volumes.ts";

export interface SimServer {
  id: number;
  name: string;
  location: string;
  serverType: string;
  imageId: number;
  labels: Record<string, string>;
  userData: string;
  sshKeys: number[];
  createdAt: number;
  /** Set when the backend's create resolves (machine started); null before. */
  ip: string | null;
  bootError?: string;
  /** Settles when the backend's create has (the delete waits for it before destroying). */
  boot: Promise<void>;
  poweredOff: boolean;
  deleting: boolean;
}

export interface SimAction {
  id: number;
  command: string;
  startedAt: number;
  finishedAt?: number;
  status: "running" | "success" | "error";
  error?: { code: string; message: string };
  resources: { id: number; type: string }[];
  /** When the action is due; default: the timeline's action duration has passed. */
  due?: () => boolean;
  /** Error to finish with instead of success; checked first, so a failure ends the action at once. */
  failure?: () => { code: string; message: string } | undefined;
  /** Effect applied once, when the action succeeds. */
  onSuccess?: () => void;
}

export interface SimImage {
  id: number;
  type: "system" | "snapshot";
  name: string | null;
  description: string;
  osFlavor: "ubuntu" | "debian" | "unknown";
  osVersion: string | null;
  createdAt: number;
  creating: boolean;
  diskSize: number;
  createdFrom: { id: number; name: string } | null;
  labels: Record<string, string>;
  architecture: "x86" | "arm";
  /** The machine backend's image of the server's disk (snapshots, machine backends only). */
  backendImage?: string;
}

export interface SimSshKey {
  id: number;
  name: string;
  fingerprint: string;
  public_key: string;
  labels: Record<string, string>;
  createdAt: number;
}

export class HetznerState {
  readonly servers = new Map<number, SimServer>();
  readonly actions = new Map<number, SimAction>();
  readonly images = new Map<number, SimImage>();
  readonly sshKeys = new Map<number, SimSshKey>();
  readonly firewalls = new Map<number, SimFirewall>();
  readonly volumes = new Map<number, SimHcVolume>();
  private seq = 50_000_000;

  constructor(
    readonly timeline: Timeline,
    readonly backend: MachineBackend,
  ) {}

  nextId(): number {
    return ++this.seq;
  }

  serverStatus(s: SimServer): "initializing" | "running" | "off" | "deleting" {
    if (s.deleting) return "deleting";
    if (s.poweredOff) return "off";
    const up = s.ip !== null && this.backend.isReady(String(s.id));
    return up && this.timeline.isActive(s.createdAt) ? "running" : "initializing";
  }

  startAction(command: string, resources: SimAction["resources"], extra: Partial<SimAction> = {}): SimAction {
    const action: SimAction = {
      id: this.nextId(),
      command,
      startedAt: this.timeline.now(),
      status: "running",
      resources,
      ...extra,
    };
    this.actions.set(action.id, action);
    return action;
  }

  /** Finish due actions, applying their effects (delete removes the server, snapshots become available). */
  settle(): void {
    for (const a of this.actions.values()) {
      if (a.status !== "running") continue;
      const failed = a.failure?.();
      if (!failed && !(a.due ? a.due() : this.timeline.actionDone(a.startedAt))) continue;
      a.finishedAt = this.timeline.now();
      if (failed) {
        a.status = "error";
        a.error = failed;
      } else {
        a.status = "success";
        a.onSuccess?.();
      }
    }
  }

  /** A running action touching this resource: Hetzner answers 423 `locked` to a second one. */
  busy(resourceId: number): SimAction | undefined {
    return [...this.actions.values()].find(
      (a) => a.status === "running" && a.resources.some((r) => r.id === resourceId),
    );
  }
}
