import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sample } from "../../test/helpers/instances.ts";
import { StateError } from "../core/errors.ts";
import { openStateDb } from "./db.ts";
import { InstanceStore } from "./instances.ts";
import { LATEST_VERSION } from "./migrations.ts";

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-state-"));
  file = path.join(dir, "state.db");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function openError(): StateError {
  try {
    openStateDb(file);
  } catch (err) {
    return err as StateError;
  }
  throw new Error("expected openStateDb to fail");
}

describe("state database", () => {
  it("creates a 0600 WAL database at the latest schema", () => {
    const db = openStateDb(file);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("user_version", { simple: true })).toBe(LATEST_VERSION);
    db.close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it("supports the seed's operations plus lookups by name and provider id", () => {
    const store = new InstanceStore(openStateDb(file), file);
    const a = store.save(sample("alpha"));
    store.save(sample("beta"));
    expect(store.getByName("alpha")?.id).toBe(a.id);
    expect(
      store.update(a.id, { providerId: "123", status: "provisioning", tags: { spuff: "true", x: "y" } }),
    ).toMatchObject({ providerId: "123", status: "provisioning", tags: { x: "y" } });
    expect(store.updateIp(a.id, "203.0.113.9")?.ip).toBe("203.0.113.9");
    expect(store.getByProviderId("digitalocean", "123")?.name).toBe("alpha");
    expect(store.list().map((r) => r.name)).toEqual(["alpha", "beta"]);
    expect(store.remove(a.id)).toBe(true);
    expect(store.remove(a.id)).toBe(false);
    expect(store.get(a.id)).toBeUndefined();
    store.close();
  });

  it("refuses a second instance with the same name", () => {
    const store = new InstanceStore(openStateDb(file), file);
    store.save(sample("dup"));
    expect(() => store.save(sample("dup"))).toThrow(/UNIQUE/);
    store.close();
  });

  it("migrates a database written with the seed's schema, keeping its rows", () => {
    const seed = new Database(file);
    seed.exec(`CREATE TABLE instances (id TEXT PRIMARY KEY, name TEXT NOT NULL, ip TEXT NOT NULL, provider TEXT NOT NULL,
      region TEXT NOT NULL, size TEXT NOT NULL, created_at TEXT NOT NULL, active INTEGER DEFAULT 1);
      INSERT INTO instances VALUES ('987654', 'spuff-a1b2c3d4', '203.0.113.7', 'digitalocean', 'nyc1', 's-2vcpu-4gb', '2026-01-01T00:00:00Z', 1);
      PRAGMA user_version = 1;`);
    seed.close();
    const store = new InstanceStore(openStateDb(file), file);
    expect(store.getByName("spuff-a1b2c3d4")).toMatchObject({
      providerId: "987654",
      ip: "203.0.113.7",
      status: "ready",
      region: "nyc1",
    });
    store.close();
  });

  it("v3 keeps the owner of an in-progress up and finds expired deadlines with one query", () => {
    const store = new InstanceStore(openStateDb(file), file);
    const owner = { pid: 4242, host: "box", start: "boot:123" };
    const a = store.save(sample("owned", { deadlineAt: "2026-12-01T10:00:00.000Z", owner }));
    store.save(sample("later", { deadlineAt: "2026-12-01T14:00:00.000Z" }));
    store.save(sample("none"));
    expect(store.get(a.id)?.owner).toEqual(owner);
    expect(store.getByName("none")?.owner).toBeNull();
    expect(store.hasExpired("2026-12-01T09:59:59.999Z")).toBe(false);
    expect(store.hasExpired("2026-12-01T10:00:00.000Z")).toBe(true);
    expect(store.expired("2026-12-01T15:00:00.000Z").map((r) => r.name)).toEqual(["owned", "later"]);
    expect(store.update(a.id, { owner: null })?.owner).toBeNull();
    store.close();
  });

  it("moves a garbage file aside, keeps its bytes, and fails instead of resetting", () => {
    const garbage = Buffer.from("this is not a database at all\n".repeat(200));
    fs.writeFileSync(file, garbage);
    const err = openError();
    expect(err).toBeInstanceOf(StateError);
    expect(err.code).toBe("state_corrupt");
    expect(err.exitCode).toBe(6);
    const moved = (err.details as { moved_to: string }).moved_to;
    expect(moved).toMatch(/state\.db\.corrupt-/);
    expect(err.message).toContain(moved);
    expect(fs.readFileSync(moved).equals(garbage)).toBe(true);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("treats a truncated database the same way", () => {
    const store = new InstanceStore(openStateDb(file), file);
    for (let i = 0; i < 200; i++) store.save(sample(`n${i}`, { error: "x".repeat(500) }));
    store.close();
    const full = fs.readFileSync(file);
    // Keep the header page but cut the rest mid-page: SQLite sees a corrupt file.
    const truncated = full.subarray(0, Math.floor(full.length / 3) + 100);
    fs.writeFileSync(file, truncated);
    fs.rmSync(`${file}-wal`, { force: true });
    fs.rmSync(`${file}-shm`, { force: true });
    let err: StateError | undefined;
    try {
      const s = new InstanceStore(openStateDb(file), file);
      s.list();
      s.close();
    } catch (e) {
      err = e as StateError;
    }
    expect(err?.code).toBe("state_corrupt");
    const moved = (err?.details as { moved_to: string } | undefined)?.moved_to as string;
    expect(fs.readFileSync(moved).equals(truncated)).toBe(true);
  });
});
