/**
 * Hetzner Cloud wire shapes ↔ spuff's provider types. Pure functions, no I/O.
 * Shapes follow /work/shared/specs/hetzner-cloud-openapi.spuff.json (only the fields we read).
 */
import { CATALOG } from "../catalog.ts";
import type { ImageSpec, InstanceStatus, ProviderInstance, Snapshot } from "../types.ts";

interface Money {
  net: string;
  gross: string;
}

export interface HzServer {
  id: number;
  name: string;
  status: string;
  created: string;
  public_net: { ipv4: { ip: string } | null };
  server_type: { name: string; prices: { location: string; price_hourly: Money }[] };
  location: { name: string };
  labels: Record<string, string>;
}

export interface HzAction {
  id: number;
  status: "running" | "success" | "error";
  error: { code: string; message: string } | null;
}

export interface HzImage {
  id: number;
  type: string;
  status: "available" | "creating" | "unavailable";
  description: string;
  image_size: number | null;
  disk_size: number;
  created: string;
  created_from: { id: number; name: string } | null;
  labels: Record<string, string>;
}

/** Every server spuff creates carries `spuff=true`, so listing selects `spuff=true`. */
export const SPUFF_LABEL = "spuff";
/** The per-instance label: identifies a server found again by name after a lost create response. */
export const INSTANCE_LABEL = "spuff-instance";
const INTERNAL = new Set([SPUFF_LABEL, INSTANCE_LABEL]);

/** Hetzner prices are in euros (the /pricing endpoint says so; server_type.prices carry no currency). */
const CURRENCY = CATALOG.hetzner.price.currency;

// Label rules from the spec's "Labels" section: name ≤ 63, alphanumeric ends, - _ . inside.
const LABEL_PART = /^[a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;

/** spuff's labels plus the user's, leaving out user labels Hetzner would reject or that shadow ours. */
export function serverLabels(name: string, user: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(user)) {
    if (!INTERNAL.has(k) && LABEL_PART.test(k) && (v === "" || LABEL_PART.test(v))) out[k] = v;
  }
  out[SPUFF_LABEL] = "true";
  if (LABEL_PART.test(name)) out[INSTANCE_LABEL] = name;
  return out;
}

const STATUS: Record<string, InstanceStatus> = {
  initializing: "new",
  starting: "new",
  running: "active",
  stopping: "off",
  off: "off",
  deleting: "archive",
};

/** The gross hourly price (what the account is billed, VAT included) for the server's location. */
export function hourlyPrice(s: HzServer): ProviderInstance["priceHourly"] {
  const p = s.server_type.prices.find((x) => x.location === s.location.name);
  const amount = p ? Number(p.price_hourly.gross) : Number.NaN;
  return Number.isFinite(amount) ? { amount, currency: CURRENCY } : undefined;
}

export function toInstance(s: HzServer): ProviderInstance {
  const labels = Object.fromEntries(Object.entries(s.labels).filter(([k]) => !INTERNAL.has(k)));
  const price = hourlyPrice(s);
  return {
    id: String(s.id),
    name: s.name,
    ip: s.public_net.ipv4?.ip ?? null,
    status: STATUS[s.status] ?? "unknown",
    region: s.location.name,
    size: s.server_type.name,
    createdAt: s.created,
    labels,
    ...(price ? { priceHourly: price } : {}),
  };
}

/** Snapshots are project-wide in Hetzner Cloud (the image has no location), so `regions` is every location. */
export function toSnapshot(i: HzImage, locations: string[]): Snapshot {
  return {
    id: String(i.id),
    name: i.description,
    sizeGb: i.image_size ?? i.disk_size,
    createdAt: i.created,
    regions: locations,
  };
}

/** Image names (ubuntu-24.04, debian-12) or image/snapshot ids, as POST /servers takes them (a string). */
export function imageRef(image: ImageSpec): string {
  switch (image.kind) {
    case "ubuntu":
    case "debian":
      return `${image.kind}-${image.version}`;
    case "custom":
    case "snapshot":
      return image.id;
  }
}
