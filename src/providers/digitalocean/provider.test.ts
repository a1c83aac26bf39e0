/**
 * DigitalOcean specifics against its simulator (spec-validated): key reuse, lost-response
 * recovery, auth, 422 hints, pagination, log redaction. The shared lifecycle is contract.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import { type DigitalOceanSim, startDigitalOceanSim } from "../../sim/digitalocean/index.ts";
import type { FaultOptions } from "../../sim/faults.ts";
import { ProviderError } from "../errors.ts";
import { createProvider } from "../registry.ts";
import { testRequest } from "../test-request.ts";
import type { Provider } from "../types.ts";
import { createDigitalOceanProvider } from "./index.ts";

const request = (name: string) => testRequest(name, { region: "fra1", size: "s-2vcpu-4gb" });

let sim: DigitalOceanSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setup(
  faults?: FaultOptions,
  token?: string,
  maxAttempts?: number,
): Promise<{ sim: DigitalOceanSim; provider: Provider }> {
  sim = await startDigitalOceanSim({ activeAfterMs: 150, actionAfterMs: 100, faults });
  const provider = await createProvider("digitalocean", {
    token: token ?? sim.token,
    env: { DIGITALOCEAN_API_URL: sim.url },
    retry: { baseDelayMs: 20, maxDelayMs: 200, ...(maxAttempts ? { maxAttempts } : {}) },
  });
  return { sim, provider };
}

describe("digitalocean provider (simulator + OpenAPI validation)", () => {
  it("installs only the user's key, reusing it when already registered", async () => {
    const { sim, provider } = await setup();
    const req = request("spuff-keys");
    const a = await provider.createInstance(req);
    const b = await provider.createInstance({ ...req, name: "spuff-keys2" });
    expect(sim.state.keys.size).toBe(1);
    const keyId = [...sim.state.keys.keys()][0];
    expect(sim.state.droplets.get(Number(a.id))?.sshKeys).toEqual([keyId]);
    expect(sim.state.droplets.get(Number(b.id))?.tags).toEqual(["spuff", "spuff-spuff-keys2", "owner:me"]);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("a create whose POST response was lost leaves exactly one droplet", async () => {
    const { sim, provider } = await setup({
      script: [{ method: "POST", path: "/v2/droplets", fault: "reset-after" }],
    });
    const created = await provider.createInstance(request("spuff-lost"));
    expect(sim.faults.injected).toEqual([{ method: "POST", path: "/v2/droplets", fault: "reset-after" }]);
    expect(sim.state.droplets.size).toBe(1);
    expect(sim.requests.filter((r) => r.method === "POST" && r.path === "/v2/droplets")).toHaveLength(1);
    expect(created.id).toBe(String([...sim.state.droplets.keys()][0]));
  });

  it("a bad token fails once with an authentication error and a hint (no retry storm)", async () => {
    const { sim, provider } = await setup(undefined, "dop_v1_wrong");
    const err = (await provider.listInstances().catch((e) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.kind).toBe("authentication");
    expect(err.exitCode).toBe(4);
    expect(err.hint).toContain("DIGITALOCEAN_TOKEN");
    expect(sim.requests).toHaveLength(1);
  });

  it("debug logs show each call but never the token", async () => {
    sim = await startDigitalOceanSim({ activeAfterMs: 0 });
    let logs = "";
    const log = createLogger({ write: (c: string) => (logs += c) }, "debug");
    const provider = await createProvider("digitalocean", {
      token: sim.token,
      env: { DIGITALOCEAN_API_URL: sim.url },
      log,
    });
    const i = await provider.createInstance(request("spuff-logs"));
    await provider.destroyInstance(i.id);
    expect(logs).toContain('"method":"POST","path":"/v2/droplets","status":202');
    expect(logs).toContain('"method":"DELETE"');
    expect(logs).not.toContain(sim.token);
  });

  it("a missing token fails before any request", () => {
    expect(() => createDigitalOceanProvider({ token: undefined, env: {} })).toThrow(ProviderError);
  });

  it("an unknown size is a 422 invalid_config with a hint listing sizes", async () => {
    const { sim, provider } = await setup();
    const err = (await provider
      .createInstance({ ...request("spuff-bad"), size: "huge" })
      .catch((e) => e)) as ProviderError;
    expect(err.kind).toBe("invalid_config");
    expect(err.status).toBe(422);
    expect(err.hint).toMatch(/sizes/);
    expect(sim.state.droplets.size).toBe(0);
  });

  it("lists 250 droplets and 250 snapshots across pages", async () => {
    const { sim, provider } = await setup();
    const st = sim.state;
    for (let i = 0; i < 250; i++) {
      const id = st.nextId();
      st.droplets.set(id, {
        id,
        name: `spuff-p${i}`,
        region: "nyc1",
        size: "s-1vcpu-1gb",
        image: {
          id: 161_000_001,
          slug: "ubuntu-24-04-x64",
          name: "24.04 (LTS) x64",
          distribution: "Ubuntu",
          type: "base",
        },
        tags: ["spuff"],
        userData: "",
        sshKeys: [],
        createdAt: 0,
        ip: `127.0.9.${i % 250}`,
        snapshotIds: [],
      });
      const sid = st.nextId();
      st.snapshots.set(sid, {
        id: sid,
        name: `s${i}`,
        createdAt: 0,
        region: "nyc1",
        sizeGb: 1,
        minDisk: 25,
        dropletId: id,
      });
    }
    const instances = await provider.listInstances();
    expect(new Set(instances.map((i) => i.id)).size).toBe(250);
    const snaps = await provider.listSnapshots();
    expect(new Set(snaps.map((s) => s.id)).size).toBe(250);
    expect(sim.requests.filter((r) => r.path === "/v2/droplets")).toHaveLength(2);
    expect(sim.validator?.violations).toEqual([]);
  });
});
