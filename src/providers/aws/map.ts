/**
 * EC2 shapes ↔ spuff's provider types. Pure functions, no I/O, no SDK at run time (types only).
 *
 * Ids carry their region ("eu-central-1/i-0abc…"): EC2 is regional while the Provider contract
 * addresses an instance by id alone, and `spuff down` must reach the region the instance was
 * created in even if the configured region changed since.
 */
import { createHash } from "node:crypto";
import type { Image, Instance, Tag } from "@aws-sdk/client-ec2";
import type { ImageSpec, InstanceStatus, ProviderInstance, Snapshot } from "../types.ts";

/** Every resource spuff creates carries spuff=true. */
export const SPUFF_TAG = { Key: "spuff", Value: "true" } as const;
/** The per-instance tag: finds an instance again by its (account-unique) name. */
export const INSTANCE_TAG = "spuff-instance";
/** Tags spuff sets for itself: not user labels. */
const OWN_TAGS = new Set([SPUFF_TAG.Key, INSTANCE_TAG, "Name"]);

/** Not live: terminating or terminated instances are gone as far as spuff is concerned. */
export const LIVE_STATES = ["pending", "running", "stopping", "stopped"];

const STATUS: Record<string, InstanceStatus> = {
  pending: "new",
  running: "active",
  stopping: "off",
  stopped: "off",
};

export function qualify(region: string, id: string): string {
  return `${region}/${id}`;
}

/** `region/id` → parts; a bare id belongs to `home`. */
export function unqualify(id: string, home: string): { region: string; id: string } {
  const i = id.indexOf("/");
  return i > 0 ? { region: id.slice(0, i), id: id.slice(i + 1) } : { region: home, id };
}

// EC2 tag limits: key ≤ 128, value ≤ 256, no "aws:" prefix, 50 tags per resource.
const TAG_OK = (k: string, v: string) =>
  k.length > 0 && k.length <= 128 && v.length <= 256 && !/^aws:/i.test(k);

export function instanceTags(name: string, labels: Record<string, string>): Tag[] {
  const own: Tag[] = [{ ...SPUFF_TAG }, { Key: INSTANCE_TAG, Value: name }, { Key: "Name", Value: name }];
  const extra = Object.entries(labels)
    .filter(([k, v]) => !OWN_TAGS.has(k) && TAG_OK(k, v))
    .map(([Key, Value]) => ({ Key, Value }));
  return [...own, ...extra].slice(0, 50);
}

export const tagValue = (tags: Tag[] | undefined, key: string) => tags?.find((t) => t.Key === key)?.Value;

/** undefined for an instance that is terminating or terminated (gone, for spuff). */
export function toInstance(region: string, i: Instance): ProviderInstance | undefined {
  const state = i.State?.Name ?? "";
  if (!LIVE_STATES.includes(state)) return undefined;
  const labels: Record<string, string> = {};
  for (const t of i.Tags ?? []) if (t.Key && !OWN_TAGS.has(t.Key)) labels[t.Key] = t.Value ?? "";
  return {
    id: qualify(region, i.InstanceId ?? ""),
    name: tagValue(i.Tags, INSTANCE_TAG) ?? tagValue(i.Tags, "Name") ?? i.InstanceId ?? "",
    ip: i.PublicIpAddress ?? null,
    status: STATUS[state] ?? "unknown",
    region,
    size: i.InstanceType ?? "",
    createdAt: toIso(i.LaunchTime),
    labels,
    ...(i.InstanceLifecycle === "spot" ? { spot: true as const } : {}),
  };
}

export function toSnapshot(region: string, img: Image): Snapshot {
  const sizeGb = (img.BlockDeviceMappings ?? []).reduce((n, b) => n + (b.Ebs?.VolumeSize ?? 0), 0);
  return {
    id: qualify(region, img.ImageId ?? ""),
    name: img.Name ?? "",
    sizeGb,
    createdAt: toIso(img.CreationDate),
    regions: [region],
  };
}

/** EBS snapshots behind an image: they outlive DeregisterImage and bill until deleted. */
export const backingSnapshots = (img: Image): string[] =>
  (img.BlockDeviceMappings ?? []).flatMap((b) => (b.Ebs?.SnapshotId ? [b.Ebs.SnapshotId] : []));

function toIso(t: Date | string | undefined): string {
  if (t === undefined) return "";
  const d = t instanceof Date ? t : new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}

/**
 * RunInstances' idempotency token. EC2 keeps a token for at least 24 h after the instance is
 * terminated, so it must be unique per launch, not per name: the user-data (which holds the
 * creation time and a fresh host key) makes a re-run of `up NAME` a new launch, while a retry
 * of the same call re-sends the same token and gets the same instance back.
 */
export function clientToken(parts: {
  name: string;
  region: string;
  size: string;
  imageId: string;
  userData: string;
}): string {
  const h = createHash("sha256");
  for (const p of [parts.name, parts.region, parts.size, parts.imageId, parts.userData])
    h.update(p).update("\0");
  return `spuff-${h.digest("hex").slice(0, 58)}`;
}

/** Graviton (arm64) instance families: an `a1`, or a `g` among the family's attribute letters (t4g, c7gn, x2gd). */
export function archForInstanceType(type: string): "x86_64" | "arm64" {
  const family = type.split(".")[0] ?? "";
  return family === "a1" || /^[a-z]+\d+[a-z]*g[a-z]*$/.test(family) ? "arm64" : "x86_64";
}

const UBUNTU_CODENAMES: Record<string, string> = {
  "20.04": "focal",
  "22.04": "jammy",
  "24.04": "noble",
  "24.10": "oracular",
  "25.04": "plucky",
};

export const CANONICAL_OWNER = "099720109477";
export const DEBIAN_OWNER = "136693071363";

/** DescribeImages query for a distribution image, or a reason it cannot be looked up. */
export function publicImageQuery(
  spec: Extract<ImageSpec, { kind: "ubuntu" | "debian" }>,
  arch: "x86_64" | "arm64",
): { owner: string; namePattern: string } | { error: string } {
  const a = arch === "arm64" ? "arm64" : "amd64";
  if (spec.kind === "debian") return { owner: DEBIAN_OWNER, namePattern: `debian-${spec.version}-${a}-*` };
  const code = UBUNTU_CODENAMES[spec.version];
  if (!code)
    return {
      error: `Ubuntu ${spec.version} is not a release spuff knows (${Object.keys(UBUNTU_CODENAMES).join(", ")})`,
    };
  // Canonical publishes noble under hvm-ssd-gp3 and older releases under hvm-ssd: match both.
  return {
    owner: CANONICAL_OWNER,
    namePattern: `ubuntu/images/hvm-ssd*/ubuntu-${code}-${spec.version}-${a}-server-*`,
  };
}

/** The most recently created image (CreationDate is ISO 8601, so strings sort by time). */
export function newest(images: Image[]): Image | undefined {
  return [...images].sort((x, y) =>
    String(y.CreationDate ?? "").localeCompare(String(x.CreationDate ?? "")),
  )[0];
}
