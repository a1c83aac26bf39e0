/** A small, realistic slice of DigitalOcean's regions, sizes and images (shapes per the spec). */

export interface SizeInfo {
  slug: string;
  memory: number;
  vcpus: number;
  disk: number;
  transfer: number;
  price_monthly: number;
  price_hourly: number;
  description: string;
}

export const SIZES: SizeInfo[] = [
  {
    slug: "s-1vcpu-1gb",
    memory: 1024,
    vcpus: 1,
    disk: 25,
    transfer: 1,
    price_monthly: 6,
    price_hourly: 0.00893,
    description: "Basic",
  },
  {
    slug: "s-2vcpu-2gb",
    memory: 2048,
    vcpus: 2,
    disk: 60,
    transfer: 3,
    price_monthly: 18,
    price_hourly: 0.02679,
    description: "Basic",
  },
  {
    slug: "s-2vcpu-4gb",
    memory: 4096,
    vcpus: 2,
    disk: 80,
    transfer: 4,
    price_monthly: 24,
    price_hourly: 0.03571,
    description: "Basic",
  },
  {
    slug: "s-4vcpu-8gb",
    memory: 8192,
    vcpus: 4,
    disk: 160,
    transfer: 5,
    price_monthly: 48,
    price_hourly: 0.07143,
    description: "Basic",
  },
];

export const REGIONS: { slug: string; name: string }[] = [
  { slug: "nyc1", name: "New York 1" },
  { slug: "nyc3", name: "New York 3" },
  { slug: "ams3", name: "Amsterdam 3" },
  { slug: "fra1", name: "Frankfurt 1" },
  { slug: "lon1", name: "London 1" },
  { slug: "sfo3", name: "San Francisco 3" },
  { slug: "sgp1", name: "Singapore 1" },
];

export const IMAGES: { id: number; slug: string; name: string; distribution: "Ubuntu" | "Debian" }[] = [
  { id: 161_000_001, slug: "ubuntu-24-04-x64", name: "24.04 (LTS) x64", distribution: "Ubuntu" },
  { id: 161_000_002, slug: "ubuntu-22-04-x64", name: "22.04 (LTS) x64", distribution: "Ubuntu" },
  { id: 161_000_003, slug: "debian-12-x64", name: "12 x64", distribution: "Debian" },
];

export function regionJson(slug: string) {
  const r = REGIONS.find((x) => x.slug === slug) ?? { slug, name: slug };
  return {
    name: r.name,
    slug: r.slug,
    features: ["backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"],
    available: true,
    sizes: SIZES.map((s) => s.slug),
  };
}

export function sizeJson(s: SizeInfo) {
  return { ...s, regions: REGIONS.map((r) => r.slug), available: true };
}
