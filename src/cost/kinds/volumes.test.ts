/**
 * The volume kind against each simulator, through spuff's own clients: figures worked out by
 * hand from the Hetzner sim's /pricing (catalog.ts STORAGE_NET.volume) and the vendored tables.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  awsOnSim,
  doOnSim,
  hetznerOnSim,
  type StartedSim,
  startedSim,
} from "../../../test/helpers/sim-providers.ts";
import { startAwsSim } from "../../sim/aws/index.ts";
import { startDigitalOceanSim } from "../../sim/digitalocean/index.ts";
import { startHetznerSim } from "../../sim/hetzner/index.ts";
import type { InstanceStore } from "../../state/instances.ts";
import { openInstanceStore } from "../../state/open.ts";
import { BILLABLE_KINDS } from "../registry.ts";
import { costReport } from "../report.ts";

const H = 3_600_000;
let dir: string;
let store: InstanceStore;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-cost-vol-"));
  store = openInstanceStore(path.join(dir, "state.db"), () => Date.now());
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Sim extends StartedSim {
  region: string;
}

async function digitalocean(): Promise<Sim> {
  const sim = await startDigitalOceanSim({ activeAfterMs: 0, actionAfterMs: 0 });
  cleanups.push(() => sim.close());
  return { ...startedSim(sim, await doOnSim(sim)), region: "fra1" };
}

async function hetzner(): Promise<Sim> {
  const sim = await startHetznerSim({ activeAfterMs: 0, actionAfterMs: 0 });
  cleanups.push(() => sim.close());
  return { ...startedSim(sim, await hetznerOnSim(sim)), region: "fsn1" };
}

async function aws(): Promise<Sim> {
  const sim = await startAwsSim({ activeAfterMs: 0, actionAfterMs: 0 });
  cleanups.push(() => sim.close());
  return { ...startedSim(sim, await awsOnSim(sim, { region: "us-east-1" })), region: "us-east-1" };
}

/** A 10 GB detached volume, then `spuff cost`'s report 73 hours (a tenth of a 730-hour month) later. */
async function report(sim: Sim) {
  const ops = sim.provider.volumes;
  if (!ops) throw new Error(`${sim.provider.name} has no volumes`);
  const vol = await ops.createVolume({ name: "work", sizeGb: 10, region: sim.region });
  const now = Date.parse(vol.createdAt) + 73 * H;
  const r = await costReport({
    providers: [{ name: sim.provider.name, client: async () => sim.provider }],
    billing: store.billing,
    records: [],
    kinds: BILLABLE_KINDS,
    now,
  });
  expect(r.errors).toEqual([]);
  expect(sim.violations()).toEqual([]);
  const item = r.items.find((i) => i.kind === "volume");
  expect(item).toMatchObject({ id: vol.id, name: "work", detail: "10 GB", note: "detached, still billed" });
  return { item, r };
}

describe("volumes in spuff cost, per GB and month", () => {
  it("digitalocean: 10 GB × 0.10 USD (vendored) = 1 USD a month; 73 h = 0.10 USD, all of it this month", async () => {
    const { item, r } = await report(await digitalocean());
    expect(item?.rate).toMatchObject({
      micros: 1_000_000,
      per: "month",
      currency: "USD",
      asOf: "2025-06-01",
    });
    expect(item?.rate).toMatchObject({
      source: expect.stringContaining("docs.digitalocean.com/products/volumes"),
    });
    expect(item?.sinceCreated).toBe(100_000);
    expect(r.monthToDate.byCurrency.USD).toBe(100_000);
  });

  it("hetzner: GET /pricing's 0.044 EUR net × 1.19 = 0.05236 EUR gross per GB; 10 GB = 0.5236 EUR a month", async () => {
    const { item, r } = await report(await hetzner());
    expect(item?.rate).toMatchObject({ micros: 523_600, netMicros: 440_000, per: "month", currency: "EUR" });
    expect(item?.rate).toMatchObject({ source: expect.stringContaining("GET /pricing") });
    // 523 600 × 73 / 730 = 52 360.
    expect(item?.sinceCreated).toBe(52_360);
    expect(r.monthToDate.byCurrency.EUR).toBe(52_360);
  });

  it("aws: EBS gp3 at 0.08 USD (vendored) per GB; 10 GB = 0.80 USD a month; 73 h = 0.08 USD", async () => {
    const { item, r } = await report(await aws());
    expect(item?.region).toBe("us-east-1a");
    expect(item?.rate).toMatchObject({ micros: 800_000, per: "month", currency: "USD" });
    expect(item?.rate).toMatchObject({ source: expect.stringContaining("ebs/pricing") });
    expect(item?.sinceCreated).toBe(80_000);
    expect(r.monthToDate.byCurrency.USD).toBe(80_000);
  });
});
