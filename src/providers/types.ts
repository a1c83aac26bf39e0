/**
 * The provider contract. Every cloud implements `Provider`; commands only ever see this
 * interface (habit 5), and one contract suite runs against every provider's simulator (habit 6).
 */
import type { FirewallView } from "./firewall.ts";

export type ImageSpec =
  | { kind: "ubuntu" | "debian"; version: string }
  | { kind: "custom"; id: string }
  | { kind: "snapshot"; id: string };

export interface InstanceRequest {
  /** Unique per account: also used to find the instance again if a create response is lost. */
  name: string;
  region: string;
  size: string;
  image: ImageSpec;
  /** Cloud-init user data (plain text; providers encode it as their API requires). */
  userData: string;
  /** Extra key/value labels; providers without labels map them to tags. */
  labels: Record<string, string>;
  /** OpenSSH public key line: the only key installed on the instance. */
  sshPublicKey: string;
  /**
   * A spot instance (AWS: one-time, terminated on interruption), capped at `maxPrice` (decimal
   * USD/hour) when set. Only providers with `spotPrice` take it; `up` refuses it elsewhere.
   */
  spot?: { maxPrice?: string };
  /**
   * CIDRs the provider firewall lets SSH in from (`ssh.allow_from`); default everywhere. The
   * firewall is shared by all of the account's spuff machines, so the latest `up` sets it.
   */
  sshAllowFrom?: string[];
}

export type InstanceStatus = "new" | "active" | "off" | "archive" | "unknown";

export interface ProviderInstance {
  id: string;
  name: string;
  /** Public IPv4, null until the provider has assigned one. */
  ip: string | null;
  status: InstanceStatus;
  region: string;
  size: string;
  /** ISO 8601. */
  createdAt: string;
  labels: Record<string, string>;
  /** What the provider charges per hour for this instance, in USD/EUR as the provider bills; absent when unknown. */
  priceHourly?: { amount: number; currency: string };
  /** A spot instance (the provider may take it back). */
  spot?: true;
}

/** The price of a spot machine right now, as the provider's price history gives it. */
export interface SpotPrice {
  /** Decimal text, as the provider writes it. */
  amount: string;
  currency: string;
  /** Where the price applies (AWS: the availability zone the instance is placed in). */
  zone: string;
  /** ISO 8601: since when this price holds. */
  since: string;
}

/** Why an instance the provider no longer reports as live ended, when the provider still knows. */
export interface EndReason {
  /** `reclaimed`: the provider took a spot machine back; `other`: anything else it says. */
  kind: "reclaimed" | "other";
  code: string;
  message: string;
}

export interface Snapshot {
  id: string;
  name: string;
  sizeGb: number;
  /** ISO 8601. */
  createdAt: string;
  regions: string[];
}

/** A decimal price as text, exactly as the source quotes it; `net` where a VAT-free figure is given too. */
export interface PriceText {
  amount: string;
  net?: string;
}

/**
 * A provider's prices as its API quotes them (plain data, cached in state by src/cost). Figures
 * stay decimal text here; src/cost turns them into integer micro-units.
 */
export interface PriceSheet {
  /** ISO 4217, as the provider bills (EUR for Hetzner). */
  currency: string;
  /** The API call the figures come from (`GET /v2/sizes`), or a vendored table's URL and date. */
  source: string;
  /** Per instance size and region (`region` null: the same everywhere). */
  instances: { size: string; region: string | null; hourly: PriceText; monthly?: PriceText }[];
  /** Per GB and month. */
  snapshotPerGbMonth?: PriceText;
  volumePerGbMonth?: PriceText;
  /** Outgoing traffic beyond what a server includes, per TB (Hetzner quotes it per server type). */
  trafficPerTb?: PriceText;
  /** A server's public IPv4 address, billed per hour on top of the server (Hetzner, AWS). */
  publicIpv4?: { region: string | null; hourly: PriceText }[];
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What a credential was found to speak for (`spuff init` checks a token before saving it). */
export interface AccountCheck {
  /** The account as the provider names it: an email, a team, a project's token, an access key. */
  account: string;
  /** What was read to prove the credential works, one short phrase for the user. */
  evidence: string;
}

export interface Provider {
  readonly name: string;
  /**
   * One cheap authenticated read proving the credential works and naming whose it is. A refused
   * credential is a ProviderError of kind "authentication" (exit 4); nothing is created.
   */
  checkAccount(): Promise<AccountCheck>;
  /**
   * The provider firewalls covering an instance and their inbound rules (providers/firewall.ts).
   * Absent for `local`, whose machines answer only on the host's loopback.
   */
  firewalls?(instanceId: string): Promise<FirewallView[]>;
  /**
   * Create one instance tagged as spuff's. MUST NOT create a duplicate when a request is retried
   * after a lost response: implementations look the instance up by its unique name first.
   */
  createInstance(req: InstanceRequest): Promise<ProviderInstance>;
  /** MUST resolve (not throw) when the instance is already gone. */
  destroyInstance(id: string): Promise<void>;
  /** Resolves `undefined` on 404; throws only for real failures. */
  getInstance(id: string): Promise<ProviderInstance | undefined>;
  /** Only instances spuff created (tagged/labelled `spuff`), across all pages. */
  listInstances(): Promise<ProviderInstance[]>;
  /**
   * Resolves as soon as the instance is active with a public IP (polling starts fast and backs
   * off); TimeoutError after `timeoutMs`; rejects with the signal's reason when aborted.
   */
  waitReady(id: string, opts: WaitOptions): Promise<ProviderInstance>;
  /** Resolves when the snapshot exists and is usable as an image. */
  createSnapshot(instanceId: string, name: string): Promise<Snapshot>;
  /** All of the account's instance snapshots, across all pages. */
  listSnapshots(): Promise<Snapshot[]>;
  /** Idempotent: resolves when the snapshot is already gone. */
  deleteSnapshot(id: string): Promise<void>;
  /**
   * The prices the provider's API publishes (DigitalOcean's sizes, Hetzner's /pricing). Absent
   * where the API has none: src/cost/vendored.ts then names a public table and its date.
   */
  priceSheet?(): Promise<PriceSheet>;
  /** Providers with a spot market: the current spot price of `size` where `region` places it. */
  spotPrice?(region: string, size: string): Promise<SpotPrice | undefined>;
  /** Why a gone instance ended, while the provider still remembers it (EC2: about an hour). */
  endReason?(id: string): Promise<EndReason | undefined>;
  /** Block-storage volumes; absent on a provider that has none (the CLI then refuses `--volume`). */
  readonly volumes?: VolumeOps;
}

/** A block-storage volume spuff made (tagged/labelled as spuff's, with its name). */
export interface Volume {
  id: string;
  name: string;
  sizeGb: number;
  /** Region (DO, Hetzner location, AWS availability zone) it lives in: machines attach there only. */
  region: string;
  /** Provider ids of the instances it is attached to (empty when detached). */
  attachedTo: string[];
  /** ISO 8601. */
  createdAt: string;
  /** Where a guest finds it: the provider's stable /dev/disk/by-id name (local: the host's image file). */
  devicePath: string;
  /**
   * Set when the provider mounted the filesystem inside the machine itself (local nspawn: a guest
   * in a user namespace cannot mount ext4, so the host mounts it and binds it in); `up` then only
   * hands the mount point to the dev user. Absent: the guest finds a block device at devicePath.
   */
  mounted?: VolumeMount;
}

export interface VolumeMount {
  /** The mount point inside the machine. */
  path: string;
  fsUuid: string;
  /** This attach formatted it (it was blank). */
  formatted: boolean;
}

export interface AttachOptions extends WaitOptions {
  /**
   * Where a provider that mounts volumes itself (`Volume.mounted`) puts it inside the machine: the
   * dev user's ~/workspace. Providers that attach a block device ignore it.
   */
  mountPath?: string;
}

export interface VolumeRequest {
  /** spuff's volume name (volumes/name.ts: lowercase letters, digits and "-"). */
  name: string;
  sizeGb: number;
  region: string;
  /** The instance it is for: providers with zones (AWS) create it in that instance's zone. */
  instanceId?: string;
}

/**
 * Volumes, as an optional part of a provider (`Provider.volumes`): `up --volume` refuses a
 * provider without them. Every call that changes attachment resolves only once the provider
 * reports the new state, so the caller can say "detached" truthfully.
 */
export interface VolumeOps {
  /** Only spuff's volumes, across all pages. */
  listVolumes(): Promise<Volume[]>;
  /** spuff's volume of that name, or undefined. */
  findVolume(name: string): Promise<Volume | undefined>;
  /** MUST NOT create a duplicate when a lost response is retried (found again by name). */
  createVolume(req: VolumeRequest): Promise<Volume>;
  attachVolume(volumeId: string, instanceId: string, opts: AttachOptions): Promise<Volume>;
  /** Resolves (not throws) when it is already detached from that instance. */
  detachVolume(volumeId: string, instanceId: string, opts: WaitOptions): Promise<Volume>;
  /** Grow only; the filesystem is grown by the guest (resize2fs) on its next mount. */
  resizeVolume(volumeId: string, sizeGb: number, opts: WaitOptions): Promise<Volume>;
  /** Idempotent: resolves when the volume is already gone. */
  deleteVolume(volumeId: string): Promise<void>;
}
