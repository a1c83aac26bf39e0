/** Machine records and images → the Provider contract's shapes. */
import { execFileSync } from "node:child_process";
import type { ImageManifest } from "../../machines/image.ts";
import type { MachineLayout } from "../../machines/layout.ts";
import type { MachineRecord } from "../../machines/types.ts";
import { CATALOG } from "../catalog.ts";
import type { InstanceStatus, ProviderInstance, Snapshot } from "../types.ts";

export function toInstance(m: MachineRecord, running: boolean): ProviderInstance {
  const status: InstanceStatus = m.state === "creating" ? "new" : running ? "active" : "off";
  return {
    id: m.id,
    name: m.name,
    ip: m.address || null,
    status,
    region: "local",
    size: m.driver,
    createdAt: m.createdAt,
    labels: m.labels,
    priceHourly: { amount: 0, currency: CATALOG.local.price.currency },
  };
}

export function toSnapshot(layout: MachineLayout, i: ImageManifest): Snapshot {
  return {
    id: i.name,
    name: i.name,
    sizeGb: i.sizeBytes
      ? Math.round((i.sizeBytes / 1024 ** 3) * 100) / 100
      : diskUsageGb(layout.imageDir(i.name)),
    createdAt: i.createdAt,
    regions: ["local"],
  };
}

function diskUsageGb(dir: string): number {
  try {
    const kb = Number(execFileSync("du", ["-sk", dir], { encoding: "utf8", timeout: 30_000 }).split("\t")[0]);
    return Math.round((kb / 1024 / 1024) * 100) / 100;
  } catch {
    return 0;
  }
}
