import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sample } from "../../test/helpers/instances.ts";
import { createDeps, type Deps } from "../cli/deps.ts";
import { createTestIO } from "../core/io.ts";
import { ProviderError } from "../providers/errors.ts";
import { type DigitalOceanSim, startDigitalOceanSim } from "../sim/digitalocean/index.ts";
import { runDown } from "./down.ts";

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
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-down-"));
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

describe("spuff down (provider half)", () => {
  it("destroys the droplet and forgets the instance", async () => {
    const id = await dropletFor("box");
    (await deps.state()).save(sample("box", { providerId: id, status: "ready" }));
    await runDown(deps, "box");
    expect(sim.state.droplets.size).toBe(0);
    expect((await deps.state()).getByName("box")).toBeUndefined();
    expect(io.stdout()).toBe("Destroyed box\n");
  });

  it("treats a droplet already gone (404) as destroyed", async () => {
    (await deps.state()).save(sample("ghost", { providerId: "999", status: "ready" }));
    await runDown(deps, "ghost");
    expect((await deps.state()).getByName("ghost")).toBeUndefined();
  });

  it("keeps the record (status failed) when the provider refuses, unless --force", async () => {
    deps.close();
    deps = makeDeps(true, "dop_v1_wrong");
    (await deps.state()).save(sample("kept", { providerId: "1", status: "ready" }));
    await expect(runDown(deps, "kept")).rejects.toBeInstanceOf(ProviderError);
    expect((await deps.state()).getByName("kept")?.status).toBe("failed");
    await runDown(deps, "kept", { force: true });
    expect((await deps.state()).getByName("kept")).toBeUndefined();
    expect(JSON.parse(io.stdout())).toMatchObject({ name: "kept", destroyed: false, forgotten: true });
  });
});
