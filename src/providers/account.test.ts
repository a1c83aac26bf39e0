/**
 * `checkAccount` on every provider against its simulator (spec-validated): a good credential
 * names the account and creates nothing; a refused one is an authentication error (exit 4).
 */
import { afterEach, describe, expect, it } from "vitest";
import { startAwsSim } from "../sim/aws/index.ts";
import { startDigitalOceanSim } from "../sim/digitalocean/index.ts";
import { startHetznerSim } from "../sim/hetzner/index.ts";
import { ProviderError } from "./errors.ts";
import { createProvider } from "./registry.ts";

const RETRY = { baseDelayMs: 10, maxDelayMs: 50, maxAttempts: 3 };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function refused(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  const pe = err as ProviderError;
  expect(pe.kind).toBe("authentication");
  expect(pe.exitCode).toBe(4);
  return pe;
}

describe("checkAccount against the simulators", () => {
  it("digitalocean: GET /v2/account names the email; a wrong token is refused once", async () => {
    const sim = await startDigitalOceanSim({});
    closers.push(() => sim.close());
    const env = { DIGITALOCEAN_API_URL: sim.url };
    const good = await createProvider("digitalocean", { token: sim.token, env, retry: RETRY });
    expect(await good.checkAccount()).toEqual({
      account: "sim@spuff.invalid",
      evidence: "GET /v2/account: account status active",
    });
    const bad = await createProvider("digitalocean", { token: "dop_v1_wrong", env, retry: RETRY });
    const err = await refused(bad.checkAccount());
    expect(err.hint).toContain("DIGITALOCEAN_TOKEN");
    expect(sim.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ["GET", "/v2/account", 200],
      ["GET", "/v2/account", 401],
    ]);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("hetzner: a read of /locations proves the token; the project is not named by the API", async () => {
    const sim = await startHetznerSim({});
    closers.push(() => sim.close());
    const env = { HCLOUD_ENDPOINT: sim.endpoint };
    const good = await createProvider("hetzner", { token: sim.token, env, retry: RETRY });
    const check = await good.checkAccount();
    expect(check.account).toMatch(/Hetzner Cloud project/);
    expect(check.evidence).toMatch(/^GET \/locations: \d+ locations read \(.*fsn1.*\)$/);
    const bad = await createProvider("hetzner", { token: "wrong", env, retry: RETRY });
    const err = await refused(bad.checkAccount());
    expect(err.hint).toContain("HCLOUD_TOKEN");
    expect(sim.state.servers.size).toBe(0);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("aws: DescribeRegions with the key pair names the access key; a wrong secret is AuthFailure", async () => {
    const sim = await startAwsSim({});
    closers.push(() => sim.close());
    const env = {
      AWS_ENDPOINT_URL_EC2: sim.url,
      AWS_ACCESS_KEY_ID: sim.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sim.secretAccessKey,
    };
    const good = await createProvider("aws", { token: undefined, env, region: "eu-central-1", retry: RETRY });
    const check = await good.checkAccount();
    expect(check.account).toBe(`AWS access key ****${sim.accessKeyId.slice(-4)}`);
    expect(check.account).not.toContain(sim.accessKeyId);
    expect(check.evidence).toMatch(/^DescribeRegions: \d+ regions enabled \(eu-central-1 among them\)$/);
    const bad = await createProvider("aws", {
      token: undefined,
      env: { ...env, AWS_SECRET_ACCESS_KEY: "not-the-secret" },
      region: "eu-central-1",
      retry: RETRY,
    });
    await refused(bad.checkAccount());
    expect(sim.validator?.violations).toEqual([]);
  });

  it("local: nothing to check", async () => {
    const p = await createProvider("local", { token: undefined, env: {} });
    expect((await p.checkAccount()).account).toMatch(/no account/);
  });
});
