/**
 * The Provider contract (types.ts), one suite for every provider, each against its simulator
 * with traffic checked against the vendor spec. Adding a provider = one more SUBJECTS entry.
 */
import { afterEach, describe, expect, it } from "vitest";
import { generateHostKey } from "../cloudinit/host-key.ts";
import { parseMicros } from "../cost/money.ts";
import { startAwsSim } from "../sim/aws/index.ts";
import { startDigitalOceanSim } from "../sim/digitalocean/index.ts";
import type { FaultOptions } from "../sim/faults.ts";
import { startHetznerSim } from "../sim/hetzner/index.ts";
import { createProvider } from "./registry.ts";
import { testRequest } from "./test-request.ts";
import type { Provider } from "./types.ts";

interface Subject {
  provider: Provider;
  /** A fresh provider on the same simulator, as another `spuff` process would have (no shared cache). */
  another(): Promise<Provider>;
  /** SSH keys the account holds, and the status of each key registration request. */
  keys(): number;
  keyRegistrations(): number[];
  /** Spec violations seen by the simulator, both directions. */
  violations(): unknown[];
  /** Instances the simulator still holds. */
  instanceCount(): number;
  faultsInjected(): number;
  close(): Promise<void>;
}

const RETRY = { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 8 };

const SUBJECTS: {
  name: string;
  region: string;
  size: string;
  /** The status the vendor answers a duplicate key registration with (EC2: 400 InvalidKeyPair.Duplicate). */
  duplicateKey: number;
  /** `activeAfterMs` overrides how long instances take to turn active. */
  start(faults?: FaultOptions, activeAfterMs?: number): Promise<Subject>;
}[] = [
  {
    name: "digitalocean",
    region: "fra1",
    size: "s-2vcpu-4gb",
    duplicateKey: 422,
    async start(faults, activeAfterMs) {
      const sim = await startDigitalOceanSim({
        activeAfterMs: activeAfterMs ?? 150,
        actionAfterMs: 100,
        faults,
      });
      const env = { DIGITALOCEAN_API_URL: sim.url };
      const another = () => createProvider("digitalocean", { token: sim.token, env, retry: RETRY });
      return {
        provider: await another(),
        another,
        keys: () => sim.state.keys.size,
        keyRegistrations: () =>
          sim.requests
            .filter((r) => r.method === "POST" && r.path === "/v2/account/keys")
            .map((r) => r.status),
        violations: () => sim.validator?.violations ?? ["validator disabled"],
        instanceCount: () => sim.state.droplets.size,
        faultsInjected: () => sim.faults.injected.length,
        close: () => sim.close(),
      };
    },
  },
  {
    name: "hetzner",
    region: "nbg1",
    size: "cx22",
    duplicateKey: 409,
    async start(faults, activeAfterMs) {
      const sim = await startHetznerSim({ activeAfterMs: activeAfterMs ?? 150, actionAfterMs: 100, faults });
      const env = { HCLOUD_ENDPOINT: sim.endpoint };
      const another = () => createProvider("hetzner", { token: sim.token, env, retry: RETRY });
      return {
        provider: await another(),
        another,
        keys: () => sim.state.sshKeys.size,
        keyRegistrations: () =>
          sim.requests.filter((r) => r.method === "POST" && r.path === "/v1/ssh_keys").map((r) => r.status),
        violations: () => sim.validator?.violations ?? ["validator disabled"],
        instanceCount: () => sim.state.servers.size,
        faultsInjected: () => sim.faults.injected.length,
        close: () => sim.close(),
      };
    },
  },
  {
    name: "aws",
    region: "eu-central-1",
    size: "t3.medium",
    duplicateKey: 400,
    async start(faults, activeAfterMs) {
      // RunInstances re-sent with its client token returns the instance in its *current* state;
      // pending for 1 s outlasts RETRY's whole backoff budget (≤ 0.9 s), so a create that took
      // several attempts still reports "new" as the contract expects.
      const sim = await startAwsSim({ activeAfterMs: activeAfterMs ?? 1000, actionAfterMs: 100, faults });
      const env = {
        AWS_ENDPOINT_URL_EC2: sim.url,
        AWS_ACCESS_KEY_ID: sim.accessKeyId,
        AWS_SECRET_ACCESS_KEY: sim.secretAccessKey,
      };
      const another = () =>
        createProvider("aws", { token: undefined, env, region: "eu-central-1", retry: RETRY });
      return {
        provider: await another(),
        another,
        keys: () => sim.state.keyPairs.size,
        keyRegistrations: () => sim.requests.filter((r) => r.path === "ImportKeyPair").map((r) => r.status),
        violations: () => sim.validator?.violations ?? ["validator disabled"],
        // Terminated instances stay listed for a while on EC2: count the ones still running.
        instanceCount: () => sim.state.liveInstances().length,
        faultsInjected: () => sim.faults.injected.length,
        close: () => sim.close(),
      };
    },
  },
];

let open: Subject | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

describe.each(SUBJECTS)("provider contract: $name", (subject) => {
  const request = (name: string) => testRequest(name, subject);

  async function lifecycle(provider: Provider, name: string) {
    const created = await provider.createInstance(request(name));
    expect(created).toMatchObject({
      name,
      status: "new",
      ip: null,
      region: subject.region,
      size: subject.size,
    });
    expect(created.labels).toEqual({ owner: "me" });
    const ready = await provider.waitReady(created.id, { timeoutMs: 10_000 });
    expect(ready.status).toBe("active");
    expect(ready.ip).toMatch(/^127\./);
    expect(await provider.getInstance(created.id)).toEqual(ready);
    expect((await provider.listInstances()).map((i) => i.id)).toContain(created.id);
    const snap = await provider.createSnapshot(created.id, `${name}-snap`);
    expect(snap.name).toBe(`${name}-snap`);
    // Where the snapshot can be used: DO lists the droplet's region, Hetzner every location.
    expect(snap.regions).toContain(subject.region);
    expect(snap.sizeGb).toBeGreaterThan(0);
    expect((await provider.listSnapshots()).map((s) => s.id)).toContain(snap.id);
    await provider.deleteSnapshot(snap.id);
    await provider.deleteSnapshot(snap.id); // idempotent
    expect((await provider.listSnapshots()).map((s) => s.id)).not.toContain(snap.id);
    await provider.destroyInstance(created.id);
    await provider.destroyInstance(created.id); // already gone: resolves
    expect(await provider.getInstance(created.id)).toBeUndefined();
  }

  it("create → waitReady → get → list → snapshot → list → delete → destroy, zero spec violations", async () => {
    open = await subject.start();
    await lifecycle(open.provider, "spuff-contract");
    expect(open.violations()).toEqual([]);
    expect(open.instanceCount()).toBe(0);
  });

  // EC2's API has no prices (src/cost/vendored.ts holds its table): only APIs that publish them.
  it("priceSheet prices the size in its region from the API, or is absent where the API has no prices", async () => {
    open = await subject.start();
    if (subject.name === "aws") {
      expect(open.provider.priceSheet).toBeUndefined();
      return;
    }
    const sheet = await open.provider.priceSheet?.();
    const entry = sheet?.instances.find(
      (i) => i.size === subject.size && (i.region === null || i.region === subject.region),
    );
    expect(parseMicros(entry?.hourly.amount ?? "")).toBeGreaterThan(0);
    expect(sheet?.currency).toMatch(/^[A-Z]{3}$/);
    expect(open.violations()).toEqual([]);
  });

  // 8 attempts: at 30% faults, 5 would fail some request of ~60 about 1 run in 7 (0.3^5 × 60).
  it("completes the lifecycle with 30% injected 429/500/resets, no duplicate, within the spec", async () => {
    open = await subject.start({ rate: 0.3, seed: 7, kinds: ["429", "500", "reset", "reset-after"] });
    await lifecycle(open.provider, "spuff-chaos");
    expect(open.faultsInjected()).toBeGreaterThan(3);
    // A duplicate from a re-sent create would survive the destroy of the one we got back.
    expect(open.instanceCount()).toBe(0);
    expect(open.violations()).toEqual([]);
  });

  // Issue 19.6: concurrent first `spuff up`s with a key the account does not know yet all see it
  // missing and all register it; the vendor refuses all but one as a duplicate (checked against
  // the spec), and each loser must find the winner's key by fingerprint and go on.
  it("five concurrent first creates with a new key all succeed and register exactly one key", async () => {
    open = await subject.start(undefined, 0);
    const race = open;
    const key = generateHostKey("me@laptop").publicKey;
    const providers = await Promise.all([0, 1, 2, 3, 4].map(() => race.another()));
    const made = await Promise.all(
      providers.map((p, i) =>
        p.createInstance(testRequest(`spuff-race${i}`, subject, { sshPublicKey: key })),
      ),
    );
    expect(new Set(made.map((m) => m.id)).size).toBe(5);
    expect(race.keys()).toBe(1);
    // The race really happened: more than one registration, one accepted, the rest refused as duplicates.
    const statuses = race.keyRegistrations();
    expect(statuses.length).toBeGreaterThan(1);
    expect(statuses.filter((s) => s < 300)).toHaveLength(1);
    expect(statuses.filter((s) => s >= 300).every((s) => s === subject.duplicateKey)).toBe(true);
    expect(race.violations()).toEqual([]);
  });

  it("waitReady times out with TimeoutError and honours an abort signal", async () => {
    // Never active during this test, however slow a loaded machine makes the create call.
    open = await subject.start(undefined, 600_000);
    const created = await open.provider.createInstance(request("spuff-slow"));
    await expect(open.provider.waitReady(created.id, { timeoutMs: 50 })).rejects.toMatchObject({
      code: "timeout",
    });
    const ctl = new AbortController();
    ctl.abort(new Error("user pressed ctrl-c"));
    await expect(
      open.provider.waitReady(created.id, { timeoutMs: 5000, signal: ctl.signal }),
    ).rejects.toThrow("ctrl-c");
  });
});
