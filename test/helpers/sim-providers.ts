/**
 * spuff's own provider clients, made the way `spuff` makes them (providers/registry.ts) and
 * pointed at a simulator through the variables each client reads for its API's address, for the
 * tests that drive a simulator through them. `o` adds or overrides options (retry, log, clock,
 * region).
 */
import { createProvider, type ProviderFactoryOptions } from "../../src/providers/registry.ts";
import type { Provider } from "../../src/providers/types.ts";
import type { AwsSim } from "../../src/sim/aws/index.ts";
import type { DigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import type { HetznerSim } from "../../src/sim/hetzner/index.ts";

type Extra = Partial<ProviderFactoryOptions>;

export const doOnSim = (sim: Pick<DigitalOceanSim, "url" | "token">, o: Extra = {}): Promise<Provider> =>
  createProvider("digitalocean", { token: sim.token, env: { DIGITALOCEAN_API_URL: sim.url }, ...o });

export const hetznerOnSim = (sim: Pick<HetznerSim, "endpoint" | "token">, o: Extra = {}): Promise<Provider> =>
  createProvider("hetzner", { token: sim.token, env: { HCLOUD_ENDPOINT: sim.endpoint }, ...o });

/** The AWS SDK's variables for the EC2 simulator: its endpoint and its keys. */
export const ec2SimEnv = (sim: Pick<AwsSim, "url" | "accessKeyId" | "secretAccessKey">) => ({
  AWS_ENDPOINT_URL_EC2: sim.url,
  AWS_ACCESS_KEY_ID: sim.accessKeyId,
  AWS_SECRET_ACCESS_KEY: sim.secretAccessKey,
});

/** Region eu-central-1 unless `o` says otherwise. */
export const awsOnSim = (sim: Pick<AwsSim, "url" | "accessKeyId" | "secretAccessKey">, o: Extra = {}) =>
  createProvider("aws", { token: undefined, env: ec2SimEnv(sim), region: "eu-central-1", ...o });

/** What the suites that run once per simulator keep of a started one. */
export interface StartedSim {
  provider: Provider;
  close(): Promise<void>;
  /** The simulator's spec (or EC2 model) violations, both directions. */
  violations(): unknown[];
}

export function startedSim(
  sim: { close(): Promise<void>; validator: { violations: unknown[] } | undefined },
  provider: Provider,
): StartedSim {
  return { provider, close: () => sim.close(), violations: () => sim.validator?.violations ?? [] };
}
