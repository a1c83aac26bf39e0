/**
 * The DigitalOcean provider: `Provider` on top of DigitalOceanClient. Base URL from
 * DIGITALOCEAN_API_URL (the simulator sets it), token resolved by the caller.
 */
import { systemClock } from "../../core/clock.ts";
import { ProviderError } from "../errors.ts";
import { createHttpClient } from "../http.ts";
import type { ProviderFactoryOptions } from "../registry.ts";
import type { Provider, ProviderInstance, Snapshot } from "../types.ts";
import { waitFor } from "../wait.ts";
import { DigitalOceanClient } from "./client.ts";
import { imageRef, instanceTag, labelsToTags, SPUFF_TAG, toInstance, toSnapshot } from "./map.ts";

export const DEFAULT_API_URL = "https://api.digitalocean.com";
const NAME = "digitalocean";
const TOKEN_HINT =
  "check DIGITALOCEAN_TOKEN (or digitalocean.token in the config): `spuff config set digitalocean.token -`";

/** How long a snapshot may take before we stop waiting (large disks take many minutes). */
const SNAPSHOT_TIMEOUT_MS = 30 * 60_000;

export function createDigitalOceanProvider(o: ProviderFactoryOptions): Provider {
  if (!o.token) {
    throw new ProviderError({
      kind: "authentication",
      provider: NAME,
      message: "No DigitalOcean API token is configured.",
      hint: "Set DIGITALOCEAN_TOKEN, or store it with `spuff config set digitalocean.token -`.",
    });
  }
  const clock = o.clock ?? systemClock;
  const http = createHttpClient({
    provider: NAME,
    baseUrl: o.baseUrl ?? o.env.DIGITALOCEAN_API_URL ?? DEFAULT_API_URL,
    token: o.token,
    fetch: o.fetch,
    clock,
    log: o.log,
    timeoutMs: o.timeoutMs,
    retry: o.retry,
    hints: {
      authentication: TOKEN_HINT,
      invalidSize:
        "List valid sizes with `doctl compute size list` (or GET /v2/sizes) and set one with `spuff config set size <slug>`.",
      quota:
        "Your DigitalOcean account limit is reached: delete unused droplets or snapshots (`spuff snapshot list`), or ask DigitalOcean to raise the limit.",
    },
  });
  const api = new DigitalOceanClient(http);

  const provider: Provider = {
    name: NAME,
    async createInstance(req) {
      const keyId = await api.ensureSshKey(req.sshPublicKey);
      const d = await api.createDroplet({
        name: req.name,
        region: req.region,
        size: req.size,
        image: imageRef(req.image),
        ssh_keys: [keyId],
        user_data: req.userData,
        tags: [SPUFF_TAG, instanceTag(req.name), ...labelsToTags(req.labels)],
        monitoring: true,
      });
      return toInstance(d);
    },
    async destroyInstance(id) {
      const deleted = await api.deleteDroplet(id);
      o.log?.debug(deleted ? "droplet deleted" : "droplet already gone", { id });
    },
    async getInstance(id) {
      const d = await api.getDroplet(id);
      return d && toInstance(d);
    },
    async listInstances() {
      return (await api.listDroplets()).map(toInstance);
    },
    waitReady(id, w) {
      return waitFor<ProviderInstance>({
        clock,
        timeoutMs: w.timeoutMs,
        signal: w.signal,
        what: `droplet ${id} to become active with a public IP`,
        poll: async () => {
          const i = await provider.getInstance(id);
          if (!i)
            throw new ProviderError({
              kind: "not_found",
              provider: NAME,
              message: `Droplet not found: "${id}"`,
            });
          return i;
        },
        isDone: (i) => i.status === "active" && i.ip !== null,
      });
    },
    async createSnapshot(instanceId, name): Promise<Snapshot> {
      const action = await api.snapshotAction(instanceId, name);
      const what = `snapshot ${JSON.stringify(name)} of droplet ${instanceId}`;
      const backoff = { initialMs: 500, factor: 1.5, maxMs: 5_000 };
      if (action === "unknown") {
        // Our first request probably started it: wait for the snapshot itself to appear.
        const snap = await waitFor({
          clock,
          timeoutMs: SNAPSHOT_TIMEOUT_MS,
          what,
          backoff,
          poll: () => api.dropletSnapshot(instanceId, name),
          isDone: (s) => s !== undefined,
        });
        if (snap) return toSnapshot(snap);
      } else if (action) {
        const done = await waitFor({
          clock,
          timeoutMs: SNAPSHOT_TIMEOUT_MS,
          what,
          backoff,
          poll: () => api.getAction(action.id),
          isDone: (a) => a.status !== "in-progress",
        });
        if (done.status === "errored") {
          throw new ProviderError({
            kind: "api",
            provider: NAME,
            message: `Snapshot action ${action.id} failed on DigitalOcean.`,
          });
        }
      }
      const snap = await api.dropletSnapshot(instanceId, name);
      if (!snap)
        throw new ProviderError({
          kind: "api",
          provider: NAME,
          message: `Snapshot ${JSON.stringify(name)} completed but is not listed.`,
        });
      return toSnapshot(snap);
    },
    async listSnapshots() {
      return (await api.listSnapshots()).map(toSnapshot);
    },
    async deleteSnapshot(id) {
      await api.deleteSnapshot(id);
    },
  };
  return provider;
}
