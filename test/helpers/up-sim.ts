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
import type { InstanceStore } from "../../src/state/instances.ts";
import { openInstanceStore } from "../../src/state/open.ts";
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
  /** Runs `fn` on the config dir's state.db, opened for it and closed after. */
  withStore<T>(fn: (store: InstanceStore) => T): T;
  /**
   * The kill-point invariant, read from state and the simulator: droplets state does not know
   * under their id, and records pointing at no droplet (both empty when it holds).
   */
  dropletInvariant(): { unknownDroplets: string[]; danglingRecords: string[] };
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
  const withStore = <T>(fn: (store: InstanceStore) => T): T => {
    const store = openInstanceStore(path.join(dir, "state.db"), Date.now);
    try {
      return fn(store);
    } finally {
      store.close();
    }
  };
  return {
    dir,
    sim,
    proxy,
    env,
    withStore,
    dropletInvariant: () =>
      withStore((store) => {
        const records = store.list();
        const ids = new Set([...sim.state.droplets.keys()].map(String));
        return {
          unknownDroplets: [...sim.state.droplets.values()]
            .filter((d) => !records.some((r) => r.providerId === String(d.id)))
            .map((d) => `${d.name}#${d.id}`),
          danglingRecords: records.filter((r) => !r.providerId || !ids.has(r.providerId)).map((r) => r.name),
        };
      }),
    async close() {
      await proxy.close();
      await sim.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
