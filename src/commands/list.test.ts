/**
 * `spuff list` with workspace volumes in state: a second table after the instances, and a
 * `volume` field on each instance in --json (the top level stays an array of instances). Plain
 * list prices volumes from the cached price book or the vendored table only, never the network.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sample } from "../../test/helpers/instances.ts";
import { hetznerOnSim } from "../../test/helpers/sim-providers.ts";
import { createDeps } from "../cli/deps.ts";
import { FakeClock } from "../core/clock.ts";
import { createTestIO } from "../core/io.ts";
import type { PriceSheet, Provider, ProviderInstance } from "../providers/types.ts";
import { startHetznerSim } from "../sim/hetzner/index.ts";
import { VOLUME_LABEL } from "../up/volume-label.ts";
import { runList } from "./list.ts";

const NOW = Date.parse("2026-12-03T12:00:00.000Z");
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-list-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function deps(json = false) {
  const io = createTestIO();
  const d = createDeps({
    io,
    env: { SPUFF_CONFIG_DIR: dir, HOME: dir },
    logLevel: "error",
    json,
    clock: new FakeClock(NOW),
  });
  return { d, io };
}

/** Plain list must never ask a provider: a call is recorded and fails the test. */
const asked: string[] = [];
const noNetwork = {
  providerFor: async (name: string): Promise<never> => {
    asked.push(name);
    throw new Error(`plain list asked provider ${name}`);
  },
};
beforeEach(() => {
  asked.length = 0;
});

/** "box" on DigitalOcean with volume w (10 GB) attached; "keep" (20 GB) on Hetzner kept detached. */
async function seed(d: ReturnType<typeof deps>["d"], withInstance = true) {
  const store = await d.state();
  if (withInstance)
    store.save(sample("box", { status: "ready", tags: { spuff: "true", [VOLUME_LABEL]: "w" } }));
  if (withInstance) store.save(sample("bare", { status: "ready" }));
  const vol = { providerId: "v1", region: "fra1", fsUuid: null };
  store.volumes.put({ ...vol, provider: "digitalocean", name: "w", sizeGb: 10 });
  store.volumes.put({ ...vol, provider: "hetzner", name: "keep", region: "fsn1", sizeGb: 20 });
  return store;
}

const hetznerSheet: PriceSheet = {
  currency: "EUR",
  source: "GET /pricing",
  instances: [],
  volumePerGbMonth: { amount: "0.05" },
};

describe("list with volumes", () => {
  it("shows a Volumes table: attached to its instance or '-', price from the vendored table, unknown without a cache", async () => {
    const { d, io } = deps();
    await seed(d);
    await runList(d, {}, noNetwork);
    const out = io.stdout();
    const [, volumes] = out.split("\nVolumes\n");
    expect(volumes).toBe(
      [
        "NAME   PROVIDER       SIZE    ATTACHED TO   PRICE",
        "w      digitalocean   10 GB   box           1.00 USD/mo",
        "keep   hetzner        20 GB   -             unknown",
        "",
      ].join("\n"),
    );
    expect(out).toMatch(/^NAME\s+PROVIDER\s+REGION/); // the instances' table comes first
    expect(asked).toEqual([]);
  });

  it("prices from a fresh cached sheet; a stale one is unknown again, never 0, and the provider is not asked", async () => {
    const { d, io } = deps();
    const store = await seed(d);
    store.billing.cacheSheet("hetzner", hetznerSheet, new Date(NOW - 3_600_000).toISOString());
    await runList(d, {}, noNetwork);
    expect(io.stdout()).toMatch(/keep\s+hetzner\s+20 GB\s+-\s+1.00 EUR\/mo\n$/);

    store.billing.cacheSheet("hetzner", hetznerSheet, new Date(NOW - 2 * 86_400_000).toISOString());
    const again = deps();
    await runList(again.d, {}, noNetwork);
    expect(again.io.stdout()).toMatch(/keep\s+hetzner\s+20 GB\s+-\s+unknown\n$/);
    expect(asked).toEqual([]);
  });

  it("--json keeps the array of instances; each gains `volume` (name, size, monthly price) or null", async () => {
    const { d, io } = deps(true);
    await seed(d);
    await runList(d, {}, noNetwork);
    const json = JSON.parse(io.stdout());
    expect(Array.isArray(json)).toBe(true);
    const byName = Object.fromEntries(json.map((i: { name: string }) => [i.name, i]));
    expect(byName.bare.volume).toBeNull();
    expect(byName.box.volume).toMatchObject({
      name: "w",
      size_gb: 10,
      price_monthly: { known: true, micros: 1_000_000, per: "month", currency: "USD", text: "1.00 USD/mo" },
    });
    expect(asked).toEqual([]);
  });

  it("no instances but a kept volume: the 'No instances' line and still the volume", async () => {
    const { d, io } = deps();
    await seed(d, false);
    await runList(d, {}, noNetwork);
    expect(io.stderr()).toContain("No instances.");
    expect(io.stdout()).toMatch(/^Volumes\nNAME .*\nkeep\s+hetzner\s+20 GB\s+-\s+unknown\n$/s);
  });

  it("stays quiet about volumes when state has none", async () => {
    const { d, io } = deps();
    (await d.state()).save(sample("bare", { status: "ready" }));
    await runList(d, {}, noNetwork);
    expect(io.stdout()).not.toContain("Volumes");
  });

  it("--live reads the price the cache lacked from the provider's API (Hetzner simulator)", async () => {
    const sim = await startHetznerSim({ activeAfterMs: 0, actionAfterMs: 0 });
    try {
      const { d, io } = deps();
      await seed(d, false);
      await runList(d, { live: true }, { providerFor: () => hetznerOnSim(sim) });
      // 0.044 EUR/GB net + 19 % VAT = 0.05236 gross, × 20 GB.
      expect(io.stdout()).toMatch(/keep\s+hetzner\s+20 GB\s+-\s+1.0472 EUR\/mo\n$/);
      expect(sim.validator?.violations).toEqual([]);
    } finally {
      await sim.close();
    }
  });
});

describe("list --live", () => {
  it("asks every provider at once, with one client and one price sheet read per provider", async () => {
    const { d, io } = deps(true);
    const store = await d.state();
    store.save(sample("on-do", { status: "ready", providerId: "d1" }));
    store.save(sample("on-hz", { status: "ready", provider: "hetzner", providerId: "h1", region: "fsn1" }));
    // No cached prices: the instances' rates and the volume's price need the sheet, read once.
    store.volumes.put({
      provider: "hetzner",
      name: "keep",
      region: "fsn1",
      sizeGb: 20,
      providerId: "v1",
      fsUuid: null,
    });
    const sheets: string[] = [];
    // Each provider's list answers only once the other's has been asked too: listing one provider
    // after the other never gets there, and its wait ends (bounded) in an "unknown" status.
    const listed = new Set<string>();
    let allAsked = () => {};
    const bothAsked = new Promise<void>((ok) => {
      allAsked = ok;
    });
    const built: string[] = [];
    const fake = (name: string, id: string): Provider =>
      ({
        async listInstances(): Promise<ProviderInstance[]> {
          listed.add(name);
          if (listed.size === 2) allAsked();
          const timeout = new Promise<never>((_, no) =>
            setTimeout(() => no(new Error("the other provider was not asked meanwhile")), 2_000).unref(),
          );
          await Promise.race([bothAsked, timeout]);
          return [{ id, status: "active" } as ProviderInstance];
        },
        async priceSheet(): Promise<PriceSheet> {
          sheets.push(name);
          await new Promise((r) => setTimeout(r, 20)); // a sheet takes a while to come, as over a network
          return { ...hetznerSheet, currency: name === "hetzner" ? "EUR" : "USD" };
        },
      }) as unknown as Provider;
    await runList(
      d,
      { live: true },
      {
        providerFor: async (name) => {
          built.push(name);
          return fake(name, name === "hetzner" ? "h1" : "d1");
        },
      },
    );
    const json = JSON.parse(io.stdout()) as { name: string; provider_status: string }[];
    expect(json.map((i) => [i.name, i.provider_status])).toEqual([
      ["on-do", "active"],
      ["on-hz", "active"],
    ]);
    expect(built.sort()).toEqual(["digitalocean", "hetzner"]);
    expect(sheets.sort()).toEqual(["digitalocean", "hetzner"]);
  });
});
