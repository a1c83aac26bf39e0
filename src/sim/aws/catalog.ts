/**
 * A small, realistic slice of EC2: regions, instance types and the public images spuff looks up
 * (Canonical's Ubuntu and Debian's official AMIs), with per-region ids like the real ones have.
 */
import { createHash } from "node:crypto";

export const ACCOUNT_ID = "123456789012";
export const CANONICAL_OWNER = "099720109477";
export const DEBIAN_OWNER = "136693071363";

export const REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-central-1", "eu-west-1", "ap-southeast-1"];

export type Arch = "x86_64" | "arm64";

export const INSTANCE_TYPES: Record<string, { vcpus: number; arch: Arch }> = {
  "t3.micro": { vcpus: 2, arch: "x86_64" },
  "t3.small": { vcpus: 2, arch: "x86_64" },
  "t3.medium": { vcpus: 2, arch: "x86_64" },
  "t3.large": { vcpus: 2, arch: "x86_64" },
  "m7i.large": { vcpus: 2, arch: "x86_64" },
  "c7i.xlarge": { vcpus: 4, arch: "x86_64" },
  "t4g.medium": { vcpus: 2, arch: "arm64" },
  "m7g.large": { vcpus: 2, arch: "arm64" },
};

export interface PublicImage {
  name: string;
  owner: string;
  ownerAlias: string;
  arch: Arch;
  /** ISO 8601, as DescribeImages reports CreationDate. */
  created: string;
  description: string;
}

/** Two builds per series, so "newest" has to be chosen rather than taken first. */
export const PUBLIC_IMAGES: PublicImage[] = [
  ...(["amd64", "arm64"] as const).flatMap((a) =>
    ["20250115", "20251112"].map((build) => ({
      name: `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${a}-server-${build}`,
      owner: CANONICAL_OWNER,
      ownerAlias: "amazon",
      arch: (a === "amd64" ? "x86_64" : "arm64") as Arch,
      created: `${build.slice(0, 4)}-${build.slice(4, 6)}-${build.slice(6)}T08:30:00.000Z`,
      description: `Canonical, Ubuntu, 24.04, ${a} noble image`,
    })),
  ),
  {
    name: "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20250110",
    owner: CANONICAL_OWNER,
    ownerAlias: "amazon",
    arch: "x86_64",
    created: "2025-01-10T08:00:00.000Z",
    description: "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image",
  },
  {
    name: "debian-12-amd64-20250210-2019",
    owner: DEBIAN_OWNER,
    ownerAlias: "amazon",
    arch: "x86_64",
    created: "2025-02-10T20:30:00.000Z",
    description: "Debian 12 (20250210-2019)",
  },
];

/** A stable per-region id, as public AMIs have a different id in every region. */
export function publicImageId(region: string, name: string): string {
  return `ami-${createHash("sha256").update(`${region}\n${name}`).digest("hex").slice(0, 17)}`;
}
