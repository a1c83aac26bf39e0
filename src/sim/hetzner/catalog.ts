/**
 * A small, realistic slice of Hetzner Cloud's locations, server types and system images. Shapes
 * follow hetzner-cloud-openapi.spuff.json; prices are per location, as strings, net and gross.
 */

export interface LocationInfo {
  id: number;
  name: string;
  description: string;
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  network_zone: string;
}

export const LOCATIONS: LocationInfo[] = [
  {
    id: 1,
    name: "fsn1",
    description: "Falkenstein DC Park 1",
    country: "DE",
    city: "Falkenstein",
    latitude: 50.47612,
    longitude: 12.370071,
    network_zone: "eu-central",
  },
  {
    id: 2,
    name: "nbg1",
    description: "Nuremberg DC Park 1",
    country: "DE",
    city: "Nuremberg",
    latitude: 49.452102,
    longitude: 11.076665,
    network_zone: "eu-central",
  },
  {
    id: 3,
    name: "hel1",
    description: "Helsinki DC Park 1",
    country: "FI",
    city: "Helsinki",
    latitude: 60.169855,
    longitude: 24.938379,
    network_zone: "eu-central",
  },
  {
    id: 4,
    name: "ash",
    description: "Ashburn, VA",
    country: "US",
    city: "Ashburn, VA",
    latitude: 39.045821,
    longitude: -77.487073,
    network_zone: "us-east",
  },
];

export interface ServerTypeInfo {
  id: number;
  name: string;
  description: string;
  cores: number;
  memory: number;
  disk: number;
  cpu_type: "shared" | "dedicated";
  architecture: "x86" | "arm";
  /** Hourly net price in EUR per location it is sold in; gross adds 19 % VAT. */
  hourly: Record<string, number>;
}

const EU = (x: number) => ({ fsn1: x, nbg1: x, hel1: x });

export const SERVER_TYPES: ServerTypeInfo[] = [
  {
    id: 22,
    name: "cx22",
    description: "CX22",
    cores: 2,
    memory: 4,
    disk: 40,
    cpu_type: "shared",
    architecture: "x86",
    hourly: EU(0.006),
  },
  {
    id: 23,
    name: "cx32",
    description: "CX32",
    cores: 4,
    memory: 8,
    disk: 80,
    cpu_type: "shared",
    architecture: "x86",
    hourly: EU(0.0113),
  },
  {
    id: 45,
    name: "cax11",
    description: "CAX11",
    cores: 2,
    memory: 4,
    disk: 40,
    cpu_type: "shared",
    architecture: "arm",
    hourly: EU(0.0063),
  },
  {
    id: 104,
    name: "cpx21",
    description: "CPX21",
    cores: 3,
    memory: 4,
    disk: 80,
    cpu_type: "shared",
    architecture: "x86",
    hourly: { ...EU(0.0121), ash: 0.0137 },
  },
];

export interface SystemImageInfo {
  id: number;
  name: string;
  description: string;
  os_flavor: "ubuntu" | "debian";
  os_version: string;
}

export const SYSTEM_IMAGES: SystemImageInfo[] = [
  {
    id: 161547269,
    name: "ubuntu-24.04",
    description: "Ubuntu 24.04",
    os_flavor: "ubuntu",
    os_version: "24.04",
  },
  {
    id: 67794396,
    name: "ubuntu-22.04",
    description: "Ubuntu 22.04",
    os_flavor: "ubuntu",
    os_version: "22.04",
  },
  { id: 114690387, name: "debian-12", description: "Debian 12", os_flavor: "debian", os_version: "12" },
];

/** Hetzner quotes prices as decimal strings with ten places. */
const decimal = (x: number) => x.toFixed(10);
const money = (net: number) => ({ net: decimal(net), gross: decimal(net * 1.19) });

export function pricesJson(t: ServerTypeInfo) {
  return Object.entries(t.hourly).map(([location, hourly]) => ({
    location,
    price_hourly: money(hourly),
    price_monthly: money(Math.round(hourly * 730 * 100) / 100),
    included_traffic: 21_990_232_555_520,
    price_per_tb_traffic: money(1),
  }));
}

export function serverTypeJson(t: ServerTypeInfo) {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    cores: t.cores,
    memory: t.memory,
    disk: t.disk,
    deprecated: false,
    prices: pricesJson(t),
    storage_type: "local" as const,
    cpu_type: t.cpu_type,
    category: t.cpu_type === "shared" ? "shared_vcpu" : "dedicated_vcpu",
    architecture: t.architecture,
    deprecation: null,
    locations: LOCATIONS.filter((l) => l.name in t.hourly).map((l) => ({
      id: l.id,
      name: l.name,
      deprecation: null,
      recommended: true,
      available: true,
    })),
  };
}

export const findType = (ref: string) => SERVER_TYPES.find((t) => t.name === ref || String(t.id) === ref);
export const findLocation = (ref: string) => LOCATIONS.find((l) => l.name === ref || String(l.id) === ref);

/** Net EUR per GB and month for snapshots/images and volumes; the VAT rate gross prices use. */
export const STORAGE_NET = { image: 0.0119, volume: 0.044 };
export const VAT_RATE = "19.00";

/** GET /pricing: every field the spec requires, server types from the same catalog as /server_types. */
export function pricingJson() {
  const perLocation = (monthly: number) =>
    LOCATIONS.map((l) => ({ location: l.name, price_monthly: money(monthly) }));
  return {
    currency: "EUR",
    vat_rate: VAT_RATE,
    primary_ips: (["ipv4", "ipv6"] as const).map((type) => ({
      type,
      prices: LOCATIONS.map((l) => ({
        location: l.name,
        price_hourly: money(type === "ipv4" ? 0.0008 : 0),
        price_monthly: money(type === "ipv4" ? 0.5 : 0),
      })),
    })),
    floating_ips: (["ipv4", "ipv6"] as const).map((type) => ({
      type,
      prices: perLocation(type === "ipv4" ? 3 : 2),
    })),
    floating_ip: { price_monthly: money(3) },
    image: { price_per_gb_month: money(STORAGE_NET.image) },
    volume: { price_per_gb_month: money(STORAGE_NET.volume) },
    server_backup: { percentage: "20.00" },
    server_types: SERVER_TYPES.map((t) => ({ id: t.id, name: t.name, prices: pricesJson(t) })),
    load_balancer_types: [],
  };
}
