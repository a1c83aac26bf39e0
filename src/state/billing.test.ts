import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sample } from "../../test/helpers/instances.ts";
import { openStateDb } from "./db.ts";
import { InstanceStore } from "./instances.ts";
import { MIGRATIONS } from "./migrations.ts";

let dir: string;
let file: string;
let now = Date.parse("2026-12-02T10:00:00.000Z");
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-billing-"));
  file = path.join(dir, "state.db");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("billing runs", () => {
  it("start when the provider id arrives, end when the record is forgotten, and outlive it", () => {
    const store = new InstanceStore(openStateDb(file), file, () => now);
    const rec = store.save(sample("run"));
    expect(store.billing.run(rec.id)).toBeUndefined(); // intent only: nothing billed yet
    now += 60_000;
    store.update(rec.id, { providerId: "42", status: "provisioning" });
    expect(store.billing.run(rec.id)).toMatchObject({
      startedAt: "2026-12-02T10:01:00.000Z",
      stoppedAt: null,
    });
    now += 60_000;
    store.update(rec.id, { providerId: "42" }); // a repeated update does not restart the run
    expect(store.billing.run(rec.id)?.startedAt).toBe("2026-12-02T10:01:00.000Z");
    now += 3_600_000;
    expect(store.remove(rec.id)).toBe(true);
    expect(store.get(rec.id)).toBeUndefined();
    expect(store.billing.run(rec.id)).toMatchObject({
      name: "run",
      provider: "digitalocean",
      size: "s-2vcpu-4gb",
      stoppedAt: "2026-12-02T11:02:00.000Z",
    });
    expect(store.billing.runsSince("2026-12-02T11:03:00.000Z")).toEqual([]);
    expect(store.billing.runsSince("2026-12-01T00:00:00.000Z")).toHaveLength(1);
    store.close();
  });

  it("a version-3 database gains runs for the instances it already had at the provider", () => {
    const db = new Database(file);
    for (const m of MIGRATIONS.filter((x) => x.version <= 3)) db.exec(m.sql);
    db.pragma("user_version = 3");
    db.prepare(
      `INSERT INTO instances (id, name, provider, provider_id, region, size, status, created_at, updated_at)
       VALUES ('a', 'old', 'hetzner', '7', 'fsn1', 'cx22', 'ready', '2026-11-30T00:00:00.000Z', '2026-11-30T00:00:00.000Z'),
              ('b', 'intent', 'hetzner', NULL, 'fsn1', 'cx22', 'creating', '2026-11-30T00:00:00.000Z', '2026-11-30T00:00:00.000Z')`,
    ).run();
    db.close();
    const store = new InstanceStore(openStateDb(file), file, () => now);
    expect(store.billing.runsSince("2026-11-01T00:00:00.000Z")).toEqual([
      expect.objectContaining({ instanceId: "a", startedAt: "2026-11-30T00:00:00.000Z", stoppedAt: null }),
    ]);
    store.close();
  });

  it("caches a price sheet with the time it was read; a corrupt entry reads as none", () => {
    const store = new InstanceStore(openStateDb(file), file, () => now);
    store.billing.cacheSheet("hetzner", { currency: "EUR" }, "2026-12-02T10:00:00.000Z");
    store.billing.cacheSheet("hetzner", { currency: "EUR", v: 2 }, "2026-12-02T11:00:00.000Z");
    expect(store.billing.cachedSheet("hetzner")).toEqual({
      sheet: { currency: "EUR", v: 2 },
      fetchedAt: "2026-12-02T11:00:00.000Z",
    });
    store.close();
    const db = new Database(file);
    db.prepare("UPDATE price_cache SET sheet = '{not json'").run();
    db.close();
    const again = new InstanceStore(openStateDb(file), file, () => now);
    expect(again.billing.cachedSheet("hetzner")).toBeUndefined();
    again.close();
  });
});
