/**
 * A config dir set up for `spuff up` against the DigitalOcean simulator, for tests that interrupt
 * or kill it: addresses nothing answers on (so `up` waits in wait_ssh), and a delay proxy in
 * front of the simulator that can hold create responses back.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { type DigitalOceanSim, startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { runSpuff } from "./cli.ts";
import { type DelayProxy, startDelayProxy } from "./delay-proxy.ts";
import { silentBackend } from "./silent-backend.ts";
import { generateKeyPair } from "./sshd.ts";

export interface UpSim {
  dir: string;
  sim: DigitalOceanSim;
  /** Delays for the responses `hold` picks (default: POST /v2/droplets). */
  proxy: DelayProxy;
  /** Environment for the binary: token, and the API URL of the proxy. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startUpSim(
  prefix: string,
  hold: (method: string, path: string) => boolean = (m, p) => m === "POST" && p === "/v2/droplets",
): Promise<UpSim> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `spuff-${prefix}-`));
  const sim = await startDigitalOceanSim({ activeAfterMs: 0, backend: silentBackend() });
  const proxy = await startDelayProxy(sim.url, hold);
  const env = { DIGITALOCEAN_TOKEN: sim.token, DIGITALOCEAN_API_URL: proxy.url };
  generateKeyPair(path.join(dir, "id_ed25519"));
  const init = await runSpuff(
    ["init", "--defaults", "--provider", "digitalocean", "--ssh-key", path.join(dir, "id_ed25519")],
    { configDir: dir, env },
  );
  expect(init.code, init.stderr).toBe(0);
  return {
    dir,
    sim,
    proxy,
    env,
    async close() {
      await proxy.close();
      await sim.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
