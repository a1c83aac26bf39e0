/**
 * DigitalOcean wire shapes ↔ spuff's provider types. Pure functions, no I/O.
 * Shapes follow /work/shared/specs/digitalocean-openapi.spuff.yaml (only the fields we read).
 */
import { visibleLine as printable } from "../../core/visible.ts";
import { CATALOG } from "../catalog.ts";
import { md5Fingerprint } from "../ssh-fingerprint.ts";
import type {
  AccountCheck,
  ImageSpec,
  InstanceStatus,
  PriceSheet,
  ProviderInstance,
  Snapshot,
} from "../types.ts";

export interface DoDroplet {
  id: number;
  name: string;
  status: string;
  created_at: string;
  size_slug: string;
  /** The size object, with its prices (USD). */
  size?: { price_hourly?: number; price_monthly?: number };
  region: { slug: string };
  networks: { v4?: { ip_address: string; type: string }[] };
  tags: string[];
}

export interface DoSize {
  slug: string;
  price_hourly: number;
  price_monthly: number;
  regions: string[];
}

/** DigitalOcean bills in US dollars (its sizes carry no currency; every price page says USD). */
export const CURRENCY = CATALOG.digitalocean.price.currency;

export interface DoSnapshot {
  id: string | number;
  name: string;
  created_at: string;
  regions: string[];
  size_gigabytes: number;
}

export interface DoAction {
  id: number;
  status: "in-progress" | "completed" | "errored";
}

/** GET /v2/account's `account`: the fields spuff reads. */
export interface DoAccount {
  email: string;
  status: string;
  team?: { name?: string; uuid?: string };
}

/** The account a token speaks for: the user's email, and the team when the token is a team's. */
export function toAccountCheck(a: DoAccount): AccountCheck {
  const team = a.team?.name ? ` (team ${printable(a.team.name)})` : "";
  return {
    account: `${printable(a.email)}${team}`,
    evidence: `GET /v2/account: account status ${printable(a.status, 20)}`,
  };
}

export const SPUFF_TAG = "spuff";
/** The per-instance tag: lets a lost create be found again by name (names are unique per account). */
export const instanceTag = (name: string): string => `spuff-${name}`;

const STATUSES: InstanceStatus[] = ["new", "active", "off", "archive"];
// DO tag rule (spec: tags.name pattern): letters, digits, _ - :
const TAG_SAFE = /^[a-zA-Z0-9_\-:]+$/;

export function labelsToTags(labels: Record<string, string>): string[] {
  return Object.entries(labels)
    .map(([k, v]) => `${k}:${v}`)
    .filter((t) => TAG_SAFE.test(t) && t.length <= 255);
}

export function toInstance(d: DoDroplet): ProviderInstance {
  const labels: Record<string, string> = {};
  for (const t of d.tags) {
    const i = t.indexOf(":");
    if (i > 0) labels[t.slice(0, i)] = t.slice(i + 1);
  }
  const ip = d.networks.v4?.find((n) => n.type === "public")?.ip_address ?? null;
  return {
    id: String(d.id),
    name: d.name,
    ip,
    status: (STATUSES as string[]).includes(d.status) ? (d.status as InstanceStatus) : "unknown",
    region: d.region.slug,
    size: d.size_slug,
    createdAt: d.created_at,
    labels,
    ...(typeof d.size?.price_hourly === "number"
      ? { priceHourly: { amount: d.size.price_hourly, currency: CURRENCY } }
      : {}),
  };
}

/** GET /v2/sizes → prices per size, the same in every region (the API gives one price per size). */
export function sizesSheet(sizes: DoSize[]): PriceSheet {
  return {
    currency: CURRENCY,
    source: "DigitalOcean API GET /v2/sizes",
    instances: sizes.map((s) => ({
      size: s.slug,
      region: null,
      hourly: { amount: String(s.price_hourly) },
      monthly: { amount: String(s.price_monthly) },
    })),
  };
}

export function toSnapshot(s: DoSnapshot): Snapshot {
  return {
    id: String(s.id),
    name: s.name,
    sizeGb: s.size_gigabytes,
    createdAt: s.created_at,
    regions: s.regions,
  };
}

/** Image slugs (e.g. ubuntu-24-04-x64) or numeric image/snapshot ids, as POST /v2/droplets takes them. */
export function imageRef(image: ImageSpec): string | number {
  switch (image.kind) {
    case "ubuntu":
    case "debian":
      return `${image.kind}-${image.version.replace(/\./g, "-")}-x64`;
    case "custom":
      return /^\d+$/.test(image.id) ? Number(image.id) : image.id;
    case "snapshot":
      return Number(image.id);
  }
}

/** The MD5 colon-hex fingerprint DigitalOcean reports for an OpenSSH public key line. */
export const sshFingerprint = md5Fingerprint;
