import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openInstanceStore } from "./open.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("volume records", () => {
  it("keep one row per provider and name across reopen; created_at survives an update", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-vols-"));
    dirs.push(dir);
    const file = path.join(dir, "state.db");
    let t = 1_700_000_000_000;
    const a = openInstanceStore(file, () => t);
    const base = {
      provider: "digitalocean",
      name: "w",
      providerId: "v1",
      region: "fra1",
      sizeGb: 10,
      fsUuid: null,
    };
    a.volumes.put(base);
    t += 1000;
    a.volumes.put({ ...base, fsUuid: "u-1" });
    a.volumes.put({ ...base, provider: "hetzner", providerId: "9" });
    const b = openInstanceStore(file, () => t);
    expect(b.volumes.get("digitalocean", "w")).toMatchObject({
      fsUuid: "u-1",
      createdAt: new Date(1_700_000_000_000).toISOString(),
      updatedAt: new Date(t).toISOString(),
    });
    expect(b.volumes.list().map((v) => `${v.provider}/${v.name}`)).toEqual(["digitalocean/w", "hetzner/w"]);
    b.volumes.remove("digitalocean", "w");
    expect(b.volumes.list("digitalocean")).toEqual([]);
  });
});
