/**
 * Figures checked against numbers worked out by hand from the simulators' catalogs
 * (the catalog.ts of each src/sim folder), through the real clients, the simulators' spec checks and SQLite.
 */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sample } from "../../test/helpers/instances.ts";
import { doOnSim, hetznerOnSim } from "../../test/helpers/sim-providers.ts";
import { testRequest } from "../providers/test-request.ts";
import type { Provider } from "../providers/types.ts";
import { startDigitalOceanSim } from "../sim/digitalocean/index.ts";
import { startHetznerSim } from "../sim/hetzner/index.ts";
import type { InstanceRun } from "../state/billing.ts";
import type { InstanceStore } from "../state/instances.ts";
import { openInstanceStore } from "../state/open.ts";
import { addRuns, emptyTotals, runRate } from "./history.ts";
import { loadPriceBook } from "./price-source.ts";
import { instanceRate, type PriceBook, storageRate } from "./prices.ts";
import { costBetween, isKnown, type Rate } from "./rate.ts";
import { BILLABLE_KINDS } from "./registry.ts";
import { costReport } from "./report.ts";

const H = 3_600_000;
let dir: string;
let store: InstanceStore;
const START = Date.parse("2026-12-01T03:00:00.000Z");
let now = START;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(() => {
  now = START;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-cost-"));
  store = openInstanceStore(path.join(dir, "state.db"), () => now);
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const request = (name: string, region: string, size: string) =>
  testRequest(name, { region, size }, { userData: "#cloud-config\n", labels: {} });

/** Every request and response (GET /v2/sizes, GET /pricing included) matched the vendor's spec. */
const specClean = (v: { violations: unknown[] } | undefined) => () => {
  expect(v).toBeDefined();
  expect(v?.violations).toEqual([]);
};

async function doSim(): Promise<{ provider: Provider; book: () => Promise<PriceBook> }> {
  const sim = await startDigitalOceanSim({ activeAfterMs: 0, actionAfterMs: 0 });
  cleanups.push(() => sim.close(), specClean(sim.validator));
  const provider = await doOnSim(sim);
  return {
    provider,
    book: () =>
      loadPriceBook("digitalocean", { billing: store.billing, now, provider: async () => provider }),
  };
}

async function hetznerSim(): Promise<Provider> {
  const sim = await startHetznerSim({ activeAfterMs: 0, actionAfterMs: 0 });
  cleanups.push(() => sim.close(), specClean(sim.validator));
  return hetznerOnSim(sim);
}

describe("an instance across a month boundary (DigitalOcean s-2vcpu-4gb, 0.03571 USD/h)", () => {
  it("costs 5 h since creation and 3 h this month; a forgotten one keeps counting its hours", async () => {
    const { book } = await doSim();
    const prices = await book();
    const rate = instanceRate(prices, "fra1", "s-2vcpu-4gb") as Rate;
    expect(rate).toMatchObject({ micros: 35_710, per: "hour", currency: "USD" });
    expect(rate.source).toBe("DigitalOcean API GET /v2/sizes");

    // Created 22:00 on 30 November, now 03:00 on 1 December.
    const rec = store.save(
      sample("across", {
        providerId: "1",
        size: "s-2vcpu-4gb",
        region: "fra1",
        createdAt: "2026-11-30T22:00:00.000Z",
      }),
    );
    expect(costBetween(rate, Date.parse(rec.createdAt), now)).toBe(5 * 35_710); // 0.17855 USD
    const mtd = emptyTotals();
    addRuns(
      mtd,
      store.billing.runsSince("2026-12-01T00:00:00.000Z"),
      (r) => instanceRate(prices, r.region, r.size),
      now,
    );
    expect(mtd.byCurrency).toEqual({ USD: 3 * 35_710 }); // 0.10713 USD: 00:00 → 03:00

    // Destroyed at 01:00 and forgotten: its 1 h in December still counts at 04:00.
    now = Date.parse("2026-12-01T01:00:00.000Z");
    store.remove(rec.id);
    now = Date.parse("2026-12-01T04:00:00.000Z");
    const after = emptyTotals();
    addRuns(
      after,
      store.billing.runsSince("2026-12-01T00:00:00.000Z"),
      (r) => instanceRate(prices, r.region, r.size),
      now,
    );
    expect(after.byCurrency).toEqual({ USD: 35_710 });
    expect(store.billing.run(rec.id)?.stoppedAt).toBe("2026-12-01T01:00:00.000Z");
  });
});

describe("a run keeps the rate it was first priced at", () => {
  it("month-to-date stays known after the cached prices go stale (a machine destroyed, its provider dropped)", async () => {
    const { book } = await doSim();
    const rec = store.save(sample("kept", { providerId: "5", createdAt: "2026-12-01T00:00:00.000Z" }));
    const fresh = await book();
    const run = store.billing.run(rec.id);
    expect(run?.rate).toBeNull();
    expect(runRate(run as InstanceRun, fresh, store.billing)).toMatchObject({ micros: 35_710 });
    now = Date.parse("2026-12-01T02:00:00.000Z");
    store.remove(rec.id);
    // Two days later, cache-only and stale: the book knows nothing, the run still does.
    now = Date.parse("2026-12-03T03:00:00.000Z");
    const stale = await loadPriceBook("digitalocean", { billing: store.billing, now });
    expect(isKnown(instanceRate(stale, "fra1", "s-2vcpu-4gb"))).toBe(false);
    const mtd = emptyTotals();
    const runs = store.billing.runsSince("2026-12-01T00:00:00.000Z");
    addRuns(mtd, runs, (r) => runRate(r, stale, store.billing), now);
    expect(mtd).toEqual({ byCurrency: { USD: 2 * 35_710 }, unknown: [] });
  });
});

describe("a Hetzner machine, billed in EUR from GET /pricing", () => {
  it("cx22 in fsn1: 0.006 EUR net, 0.00714 EUR gross an hour; 10 h = 0.0714 EUR; its snapshot per GB and month", async () => {
    const provider = await hetznerSim();
    const server = await provider.createInstance(request("eur", "fsn1", "cx22"));
    await provider.waitReady(server.id, { timeoutMs: 5000 });
    const snap = await provider.createSnapshot(server.id, "eur-snap");
    now = Date.parse(server.createdAt) + 10 * H;
    const report = await costReport({
      providers: [{ name: "hetzner", client: async () => provider }],
      billing: store.billing,
      records: [],
      kinds: BILLABLE_KINDS,
      now,
    });
    expect(report.errors).toEqual([]);
    const inst = report.items.find((i) => i.kind === "instance");
    expect(inst?.rate).toMatchObject({ micros: 7_140, netMicros: 6_000, per: "hour", currency: "EUR" });
    expect(inst?.sinceCreated).toBe(71_400);
    expect(inst?.note).toBe("not in local state");
    // image 0.0119 EUR net/GB-month × 1.19 = 0.014161 gross; the sim's snapshot is 0.42 GB:
    // 14 161 × 0.42 = 5 947.62 → 5 948 micro-EUR a month; 10 h of 730: 5 948 × 10 / 730 = 81.48 → 81.
    const s = report.items.find((i) => i.kind === "snapshot" && i.id === snap.id);
    expect(s?.rate).toMatchObject({ micros: 5_948, per: "month", currency: "EUR" });
    expect(s?.sinceCreated).toBe(Math.round((5_948 * 10) / 730));
    // Its primary IPv4, billed apart: 0.0008 EUR net × 1.19 = 0.000952 EUR/h; 10 h = 0.00952 EUR.
    const ip = report.items.find((i) => i.kind === "ipv4");
    expect(ip).toMatchObject({ id: server.id, rate: { micros: 952, per: "hour", currency: "EUR" } });
    expect(ip?.sinceCreated).toBe(9_520);
    expect(report.monthToDate.byCurrency.EUR).toBe(71_400 + 9_520 + (s?.sinceCreated ?? 0));
  });
});

describe("prices: unknown, never 0", () => {
  it("a size nobody prices, a cache older than a day, an unreachable price list", async () => {
    const { book } = await doSim();
    expect(isKnown(instanceRate(await book(), "fra1", "s-64vcpu-huge"))).toBe(false);
    // Cached now; a day and a second later, without the network, the cache is not trusted.
    now += 24 * H + 1000;
    const stale = await loadPriceBook("digitalocean", { billing: store.billing, now });
    const r = instanceRate(stale, "fra1", "s-2vcpu-4gb");
    expect(r).toEqual({ unknown: expect.stringMatching(/stale/) });
    const down = await loadPriceBook("digitalocean", {
      billing: store.billing,
      now,
      provider: async () => {
        throw new Error("connection refused");
      },
    });
    expect(instanceRate(down, "fra1", "s-2vcpu-4gb")).toEqual({
      unknown: expect.stringMatching(/connection refused/),
    });
    // The vendored part (snapshots, with its source) is still known.
    expect(storageRate(down, "snapshot", 10)).toMatchObject({
      micros: 600_000,
      per: "month",
      asOf: "2025-06-01",
    });
  });

  it("AWS: the vendored table for its regions, unknown elsewhere", async () => {
    const book = await loadPriceBook("aws", { billing: store.billing, now });
    expect(instanceRate(book, "us-east-1", "t3.medium")).toMatchObject({ micros: 41_600, currency: "USD" });
    expect(isKnown(instanceRate(book, "ap-southeast-1", "t3.medium"))).toBe(false);
  });
});
