/** Command tests against the DigitalOcean simulator: a temp config dir, the sim, and Deps wired to both. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach } from "vitest";
import { createDeps, type Deps } from "../../src/cli/deps.ts";
import { createTestIO } from "../../src/core/io.ts";
import { type DigitalOceanSim, startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";

export interface DoSimContext {
  dir: string;
  sim: DigitalOceanSim;
  deps: Deps;
  io: ReturnType<typeof createTestIO>;
  /** Fresh Deps (and io) for the same dir and sim, e.g. in --json mode or with another token. */
  makeDeps(json: boolean, token?: string): Deps;
  /** Create a droplet directly through the sim's API; returns its id. */
  dropletFor(name: string): Promise<string>;
}

/** Create a droplet straight through the simulator's API (spuff's tag by default); returns its id. */
export async function postDroplet(
  sim: Pick<DigitalOceanSim, "url" | "token">,
  name: string,
  tags: string[] = ["spuff"],
): Promise<string> {
  const res = await fetch(`${sim.url}/v2/droplets`, {
    method: "POST",
    headers: { authorization: `Bearer ${sim.token}`, "content-type": "application/json" },
    body: JSON.stringify({ name, region: "fra1", size: "s-2vcpu-4gb", image: "ubuntu-24-04-x64", tags }),
  });
  return String(((await res.json()) as { droplet: { id: number } }).droplet.id);
}

/** Registers beforeEach/afterEach hooks; read the context's fields inside tests. */
export function useDoSimDeps(prefix: string): DoSimContext {
  const ctx = {} as DoSimContext;
  ctx.makeDeps = (json, token = ctx.sim.token) => {
    ctx.io = createTestIO();
    const env = {
      SPUFF_CONFIG_DIR: ctx.dir,
      SPUFF_DATA_DIR: path.join(ctx.dir, "data"),
      HOME: ctx.dir,
      DIGITALOCEAN_TOKEN: token,
      DIGITALOCEAN_API_URL: ctx.sim.url,
    };
    return createDeps({ io: ctx.io, env, logLevel: "error", json });
  };
  ctx.dropletFor = (name) => postDroplet(ctx.sim, name);
  beforeEach(async () => {
    ctx.dir = fs.mkdtempSync(path.join(os.tmpdir(), `spuff-${prefix}-`));
    ctx.sim = await startDigitalOceanSim({ activeAfterMs: 0 });
    ctx.deps = ctx.makeDeps(false);
  });
  afterEach(async () => {
    ctx.deps.close();
    await ctx.sim.close();
    fs.rmSync(ctx.dir, { recursive: true, force: true });
  });
  return ctx;
}
