/**
 * Prices no API gives, as small tables with their public source and the date they were read.
 * DigitalOcean's API prices droplets (GET /v2/sizes) but not volumes or snapshots; EC2's API
 * has no prices at all (the Price List API is a separate service spuff does not call yet).
 * These figures were copied by hand from the pages named; they are not re-checked at run time,
 * and a size or region missing here is priced as unknown, never as zero.
 */
import type { ProviderName } from "../providers/catalog.ts";
import type { PriceSheet } from "../providers/types.ts";

export interface VendoredSheet extends PriceSheet {
  /** When the figures were read from `source` (ISO date). */
  asOf: string;
}

const AWS_EC2_SOURCE =
  "vendored table: https://aws.amazon.com/ec2/pricing/on-demand/ (Linux, on-demand) and https://aws.amazon.com/ebs/pricing/ (EBS snapshots, standard tier; gp3 volumes with the included 3000 IOPS and 125 MB/s)";

/** us-east-1, us-east-2 and us-west-2 charge the same for these types; other regions: unknown. */
const AWS_HOURLY: Record<string, string> = {
  "t3.micro": "0.0104",
  "t3.small": "0.0208",
  "t3.medium": "0.0416",
  "t3.large": "0.0832",
  "m7i.large": "0.1008",
  "c7i.xlarge": "0.1785",
  "t4g.medium": "0.0336",
  "m7g.large": "0.0816",
};
const AWS_REGIONS = ["us-east-1", "us-east-2", "us-west-2"];

export const VENDORED: Partial<Record<ProviderName, VendoredSheet>> = {
  local: {
    currency: "USD",
    source: "local machines on this host: free",
    asOf: "2026-12-03",
    instances: [{ size: "*", region: null, hourly: { amount: "0" } }],
    snapshotPerGbMonth: { amount: "0" },
    volumePerGbMonth: { amount: "0" },
  },
  digitalocean: {
    currency: "USD",
    source:
      "vendored table: https://docs.digitalocean.com/products/snapshots/details/pricing/ and https://docs.digitalocean.com/products/volumes/details/pricing/",
    asOf: "2025-06-01",
    instances: [],
    snapshotPerGbMonth: { amount: "0.06" },
    volumePerGbMonth: { amount: "0.10" },
  },
  aws: {
    currency: "USD",
    source: AWS_EC2_SOURCE,
    asOf: "2025-06-01",
    instances: Object.entries(AWS_HOURLY).flatMap(([size, hourly]) =>
      AWS_REGIONS.map((region) => ({ size, region, hourly: { amount: hourly } })),
    ),
    snapshotPerGbMonth: { amount: "0.05" },
    // EBS gp3, per GB-month in the regions above (the same figure in each).
    volumePerGbMonth: { amount: "0.08" },
    // In-use public IPv4 addresses, every region: https://aws.amazon.com/vpc/pricing/ (Public IPv4 Address).
    publicIpv4: [{ region: null, hourly: { amount: "0.005" } }],
  },
};
