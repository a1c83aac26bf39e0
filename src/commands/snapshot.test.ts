import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeps, type Deps } from "../cli/deps.ts";
import { createTestIO } from "../core/io.ts";
import { type DigitalOceanSim, startDigitalOceanSim } from "../sim/digitalocean/index.ts";
import { runSnapshotDelete, runSnapshotList } from "./snapshot.ts";

let dir: string;
let sim: DigitalOceanSim;
let deps: Deps;
let io: ReturnType<typeof createTestIO>;

function makeDeps(json: boolean, token = sim.token): Deps {
  io = createTestIO();
  const env = {
    SPUFF_CONFIG_DIR: dir,
    SPUFF_DATA_DIR: path.join(dir, "data"),
    HOME: dir,
    DIGITALOCEAN_TOKEN: token,
    DIGITALOCEAN_API_URL: sim.url,
  };
  return createDeps({ io, env, logLevel: "error", json });
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-snap-"));
  sim = await startDigitalOceanSim({ activeAfterMs: 0 });
  deps = makeDeps(false);
});
afterEach(async () => {
  deps.close();
  await sim.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function dropletFor(name: string): Promise<string> {
  const res = await fetch(`${sim.url}/v2/droplets`, {
    method: "POST",
    headers: { authorization: `Bearer ${sim.token}`, "content-type": "application/json" },
    body: JSON.stringify({
      name,
      region: "fra1",
      size: "s-2vcpu-4gb",
      image: "ubuntu-24-04-x64",
      tags: ["spuff"],
    }),
  });
  return String(((await res.json()) as { droplet: { id: number } }).droplet.id);
}

describe("spuff snapshot", () => {
  it("lists snapshots as JSON and deletes one (twice: idempotent)", async () => {
    const id = await dropletFor("snapbox");
    sim.state.snapshots.set(5, {
      id: 5,
      name: "nightly",
      createdAt: 0,
      region: "fra1",
      sizeGb: 3,
      minDisk: 25,
      dropletId: Number(id),
    });
    deps.close();
    deps = makeDeps(true);
    await runSnapshotList(deps);
    expect(JSON.parse(io.stdout())).toEqual([
      { id: "5", name: "nightly", sizeGb: 3, createdAt: "1970-01-01T00:00:00Z", regions: ["fra1"] },
    ]);
    await runSnapshotDelete(deps, "5");
    await runSnapshotDelete(deps, "5");
    expect(sim.state.snapshots.size).toBe(0);
    expect(sim.validator?.violations).toEqual([]);
  });
});
