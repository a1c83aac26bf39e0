/**
 * Concurrent first `spuff up` (issue 19.6): five processes start together with a key the account
 * does not know yet. Each gets its own provider (as separate processes would: no shared cache),
 * all look the key up, all find nothing, all register it; the simulator answers all but one
 * with the vendor's duplicate error (checked against the vendor spec), and every loser must find
 * the winner's key by fingerprint and go on. All five creates succeed; one key is registered.
 */
import { afterEach, describe, expect, it } from "vitest";
import { generateHostKey } from "../cloudinit/host-key.ts";
import { startAwsSim } from "../sim/aws/index.ts";
import { startDigitalOceanSim } from "../sim/digitalocean/index.ts";
import { startHetznerSim } from "../sim/hetzner/index.ts";
import { createProvider } from "./registry.ts";
import { testRequest } from "./test-request.ts";
import type { Provider } from "./types.ts";

interface Race {
  newProvider(): Promise<Provider>;
  keys(): number;
  /** Key registration requests and the status each was answered with. */
  registrations(): number[];
  violations(): unknown[];
  close(): Promise<void>;
}

const RETRY = { baseDelayMs: 20, maxDelayMs: 200 };

const SUBJECTS: { name: string; region: string; size: string; duplicate: number; start(): Promise<Race> }[] =
  [
    {
      name: "digitalocean",
      region: "fra1",
      size: "s-2vcpu-4gb",
      duplicate: 422,
      async start() {
        const sim = await startDigitalOceanSim({ activeAfterMs: 0 });
        return {
          newProvider: () =>
            createProvider("digitalocean", {
              token: sim.token,
              env: { DIGITALOCEAN_API_URL: sim.url },
              retry: RETRY,
            }),
          keys: () => sim.state.keys.size,
          registrations: () =>
            sim.requests
              .filter((r) => r.method === "POST" && r.path === "/v2/account/keys")
              .map((r) => r.status),
          violations: () => sim.validator?.violations ?? ["validator disabled"],
          close: () => sim.close(),
        };
      },
    },
    {
      name: "hetzner",
      region: "nbg1",
      size: "cx22",
      duplicate: 409,
      async start() {
        const sim = await startHetznerSim({ activeAfterMs: 0 });
        return {
          newProvider: () =>
            createProvider("hetzner", {
              token: sim.token,
              env: { HCLOUD_ENDPOINT: sim.endpoint },
              retry: RETRY,
            }),
          keys: () => sim.state.sshKeys.size,
          registrations: () =>
            sim.requests.filter((r) => r.method === "POST" && r.path === "/v1/ssh_keys").map((r) => r.status),
          violations: () => sim.validator?.violations ?? ["validator disabled"],
          close: () => sim.close(),
        };
      },
    },
    {
      name: "aws",
      region: "eu-central-1",
      size: "t3.medium",
      // EC2 answers errors with 400 and the code (InvalidKeyPair.Duplicate) in the XML body.
      duplicate: 400,
      async start() {
        const sim = await startAwsSim({ activeAfterMs: 0 });
        const env = {
          AWS_ENDPOINT_URL_EC2: sim.url,
          AWS_ACCESS_KEY_ID: sim.accessKeyId,
          AWS_SECRET_ACCESS_KEY: sim.secretAccessKey,
        };
        return {
          newProvider: () =>
            createProvider("aws", { token: undefined, env, region: "eu-central-1", retry: RETRY }),
          keys: () => sim.state.keyPairs.size,
          registrations: () => sim.requests.filter((r) => r.path === "ImportKeyPair").map((r) => r.status),
          violations: () => sim.validator?.violations ?? ["validator disabled"],
          close: () => sim.close(),
        };
      },
    },
  ];

let open: Race | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

describe.each(SUBJECTS)("concurrent first up with a new key: $name", (subject) => {
  it("five at once all succeed, and the account holds exactly one key", async () => {
    const race = await subject.start();
    open = race;
    const key = generateHostKey("me@laptop").publicKey;
    const providers = await Promise.all([0, 1, 2, 3, 4].map(() => race.newProvider()));
    const made = await Promise.all(
      providers.map((p, i) =>
        p.createInstance(testRequest(`spuff-race${i}`, subject, { sshPublicKey: key })),
      ),
    );
    expect(new Set(made.map((m) => m.id)).size).toBe(5);
    expect(race.keys()).toBe(1);
    // The race really happened: more than one registration, one accepted, the rest refused as duplicates.
    const statuses = race.registrations();
    expect(statuses.length).toBeGreaterThan(1);
    expect(statuses.filter((s) => s < 300)).toHaveLength(1);
    expect(statuses.filter((s) => s >= 300).every((s) => s === subject.duplicate)).toBe(true);
    expect(race.violations()).toEqual([]);
  });
});
