/**
 * Hetzner specifics against its simulator (spec-validated): key reuse, labels, lost responses
 * for create / snapshot / delete, error codes with next steps, RateLimit-Reset, prices,
 * pagination, log redaction. The shared lifecycle is contract.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { generateHostKey } from "../../cloudinit/host-key.ts";
import { createLogger } from "../../core/log.ts";
import type { FaultOptions } from "../../sim/faults.ts";
import { type HetznerSim, type HetznerSimOptions, startHetznerSim } from "../../sim/hetzner/index.ts";
import { ProviderError } from "../errors.ts";
import { createProvider } from "../registry.ts";
import { testRequest } from "../test-request.ts";
import type { InstanceRequest, Provider } from "../types.ts";
import { createHetznerProvider } from "./index.ts";

const request = (name: string, over: Partial<InstanceRequest> = {}) =>
  testRequest(name, { region: "fsn1", size: "cx22" }, over);

let sim: HetznerSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setup(
  o: {
    faults?: FaultOptions;
    token?: string;
    sim?: HetznerSimOptions;
    log?: ReturnType<typeof createLogger>;
  } = {},
): Promise<{ sim: HetznerSim; provider: Provider }> {
  sim = await startHetznerSim({ activeAfterMs: 100, actionAfterMs: 80, faults: o.faults, ...o.sim });
  const provider = await createProvider("hetzner", {
    token: o.token ?? sim.token,
    env: { HCLOUD_ENDPOINT: sim.endpoint },
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    log: o.log,
  });
  return { sim, provider };
}

const posts = (s: HetznerSim, path: string) =>
  s.requests.filter((r) => r.method === "POST" && r.path === path);

describe("hetzner provider (simulator + OpenAPI validation)", () => {
  it("installs only the user's key (reused), labels spuff=true + per-instance, user_data as sent", async () => {
    const { sim, provider } = await setup();
    const req = request("spuff-keys");
    const a = await provider.createInstance(req);
    const b = await provider.createInstance({ ...req, name: "spuff-keys2" });
    expect(sim.state.sshKeys.size).toBe(1);
    const keyId = [...sim.state.sshKeys.keys()][0];
    const stored = sim.state.servers.get(Number(b.id));
    expect(sim.state.servers.get(Number(a.id))?.sshKeys).toEqual([keyId]);
    expect(stored?.labels).toEqual({ owner: "me", spuff: "true", "spuff-instance": "spuff-keys2" });
    expect(stored?.userData).toBe(req.userData);
    expect(b.labels).toEqual({ owner: "me" });
    expect(sim.validator?.violations).toEqual([]);
  });

  it("parallel creates with a new key register it once (the losers of the race reuse it)", async () => {
    const { sim, provider } = await setup({ sim: { activeAfterMs: 0 } });
    const key = generateHostKey("me@laptop").publicKey;
    const made = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => provider.createInstance(request(`spuff-par${i}`, { sshPublicKey: key }))),
    );
    expect(made).toHaveLength(5);
    expect(sim.state.sshKeys.size).toBe(1);
    expect(posts(sim, "/v1/ssh_keys").length).toBeGreaterThan(1);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("fills priceHourly from the server type's gross price in the server's location", async () => {
    const { provider } = await setup({ sim: { activeAfterMs: 0 } });
    const eu = await provider.createInstance(request("spuff-price"));
    expect(eu.priceHourly).toEqual({ amount: 0.00714, currency: "EUR" });
    const us = await provider.createInstance(request("spuff-price-us", { region: "ash", size: "cpx21" }));
    expect(us.priceHourly?.amount).toBeCloseTo(0.0137 * 1.19, 10);
    expect((await provider.listInstances()).map((i) => i.priceHourly?.currency)).toEqual(["EUR", "EUR"]);
  });

  it("a create whose POST response was lost leaves exactly one server", async () => {
    const { sim, provider } = await setup({
      faults: { script: [{ method: "POST", path: "/v1/servers", fault: "reset-after" }] },
    });
    const created = await provider.createInstance(request("spuff-lost"));
    expect(sim.faults.injected).toEqual([{ method: "POST", path: "/v1/servers", fault: "reset-after" }]);
    expect(sim.state.servers.size).toBe(1);
    expect(posts(sim, "/v1/servers")).toHaveLength(1);
    expect(created.id).toBe(String([...sim.state.servers.keys()][0]));
    expect(sim.validator?.violations).toEqual([]);
  });

  it("lost create_image and DELETE responses: one snapshot, usable as an image; the server still ends gone", async () => {
    const { sim, provider } = await setup();
    const s = await provider.createInstance(request("spuff-snap"));
    await provider.waitReady(s.id, { timeoutMs: 5000 });
    const path = `/v1/servers/${s.id}/actions/create_image`;
    sim.faults.schedule(
      { method: "POST", path, fault: "reset-after" },
      { method: "DELETE", path: `/v1/servers/${s.id}`, fault: "reset-after" },
    );
    const snap = await provider.createSnapshot(s.id, "spuff-snap-1");
    expect(posts(sim, path)).toHaveLength(1);
    const snaps = [...sim.state.images.values()].filter((i) => i.type === "snapshot");
    expect(snaps.map((i) => [String(i.id), i.description, i.creating])).toEqual([
      [snap.id, "spuff-snap-1", false],
    ]);
    expect(snap.regions).toEqual(["fsn1", "nbg1", "hel1", "ash"]);

    const clone = await provider.createInstance(
      request("spuff-clone", { image: { kind: "snapshot", id: snap.id } }),
    );
    expect(sim.state.servers.get(Number(clone.id))?.imageId).toBe(Number(snap.id));

    await provider.destroyInstance(s.id);
    expect(sim.faults.injected.map((f) => f.method)).toEqual(["POST", "DELETE"]);
    expect(await provider.getInstance(s.id)).toBeUndefined();
    expect(sim.validator?.violations).toEqual([]);
  });

  it("a bad token fails once with an authentication error naming HCLOUD_TOKEN (no retry storm)", async () => {
    const { sim, provider } = await setup({ token: "x".repeat(64) });
    const err = (await provider.listInstances().catch((e) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: "authentication", exitCode: 4 });
    expect(err.hint).toContain("HCLOUD_TOKEN");
    expect(sim.requests).toHaveLength(1);
  });

  it("a missing token fails before any request", () => {
    const err = (() => {
      try {
        createHetznerProvider({ token: undefined, env: {} });
      } catch (e) {
        return e as ProviderError;
      }
    })();
    expect(err).toMatchObject({ kind: "authentication", hint: expect.stringContaining("HCLOUD_TOKEN") });
  });

  it("maps create refusals to next steps: unknown type, unavailable type, taken name, project limit", async () => {
    const { sim, provider } = await setup({ sim: { maxServers: 1 } });
    const fail = (r: InstanceRequest) =>
      provider.createInstance(r).then(
        () => Promise.reject(new Error("expected a refusal")),
        (e) => e as ProviderError,
      );
    expect(await fail(request("a", { size: "cx999" }))).toMatchObject({
      kind: "invalid_config",
      status: 422,
      hint: expect.stringMatching(/server-type list/),
    });
    expect(await fail(request("a", { region: "ash" }))).toMatchObject({
      kind: "invalid_config",
      status: 412,
    });
    await provider.createInstance(request("taken"));
    const taken = await fail(request("taken"));
    expect(taken).toMatchObject({
      kind: "invalid_config",
      status: 409,
      hint: expect.stringMatching(/spuff down/),
    });
    const limit = await fail(request("second"));
    expect(limit).toMatchObject({ kind: "quota_exceeded", status: 403 });
    expect(limit.exitCode).not.toBe(4);
    expect(sim.state.servers.size).toBe(1);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("waits until RateLimit-Reset after a 429 instead of hammering the API", async () => {
    const { sim, provider } = await setup({ sim: { rateLimit: { limit: 2, windowMs: 1000 } } });
    const started = Date.now();
    await provider.listInstances();
    await provider.listInstances();
    await provider.listInstances();
    const took = Date.now() - started;
    // One 429, then success: blind backoff (20-200 ms) would have met more 429s before a refill.
    expect(sim.requests.map((r) => r.status)).toEqual([200, 200, 429, 200]);
    // The bucket is full again 2 × 0.5 s after the first call; Reset rounds up to a whole second.
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(3000);
  });

  it("lists 250 servers and 250 snapshots across pages of 50", async () => {
    const { sim, provider } = await setup();
    const st = sim.state;
    for (let i = 0; i < 250; i++) {
      const id = st.nextId();
      st.servers.set(id, {
        id,
        name: `spuff-p${i}`,
        location: "fsn1",
        serverType: "cx22",
        imageId: 161547269,
        labels: { spuff: "true" },
        userData: "",
        sshKeys: [],
        createdAt: 0,
        ip: `127.0.9.${i % 250}`,
        boot: Promise.resolve(),
        poweredOff: false,
        deleting: false,
      });
      const sid = st.nextId();
      st.images.set(sid, {
        id: sid,
        type: "snapshot",
        name: null,
        description: `s${i}`,
        osFlavor: "ubuntu",
        osVersion: "24.04",
        createdAt: 0,
        creating: false,
        diskSize: 40,
        createdFrom: { id, name: `spuff-p${i}` },
        labels: {},
        architecture: "x86",
      });
    }
    // A server without spuff's label is not listed.
    st.servers.set(st.nextId(), { ...[...st.servers.values()][0]!, id: 1, name: "other", labels: {} });
    const instances = await provider.listInstances();
    expect(new Set(instances.map((i) => i.id)).size).toBe(250);
    const snaps = await provider.listSnapshots();
    expect(new Set(snaps.map((s) => s.id)).size).toBe(250);
    expect(sim.requests.filter((r) => r.path === "/v1/servers")).toHaveLength(5);
    expect(sim.requests.filter((r) => r.path === "/v1/images")).toHaveLength(5);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("debug logs show each call but never the token", async () => {
    let logs = "";
    const log = createLogger({ write: (c: string) => (logs += c) }, "debug");
    const { sim, provider } = await setup({ log, sim: { activeAfterMs: 0 } });
    const i = await provider.createInstance(request("spuff-logs"));
    await provider.destroyInstance(i.id);
    expect(logs).toContain('"method":"POST","path":"/servers","status":201');
    expect(logs).toContain('"method":"DELETE"');
    expect(logs).not.toContain(sim.token);
  });
});
