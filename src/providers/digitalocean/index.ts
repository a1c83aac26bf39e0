/**
 * The DigitalOcean provider: `Provider` on top of DigitalOceanClient. Base URL from
 * DIGITALOCEAN_API_URL (the simulator sets it), token resolved by the caller.
 */
import { ProviderError } from "../errors.ts";
import { ANYWHERE, desiredInbound, ensureFirewall } from "../firewall.ts";
import { providerHttp } from "../provider-http.ts";
import type { ProviderFactoryOptions } from "../registry.ts";
import type { Provider, Snapshot } from "../types.ts";
import { ACTION_BACKOFF, SNAPSHOT_TIMEOUT_MS, waitFor } from "../wait.ts";
import { waitUntilReady } from "../wait-ready.ts";
import { DigitalOceanClient } from "./client.ts";
import { doFirewallStore, dropletFirewalls } from "./firewall.ts";
import {
  imageRef,
  instanceTag,
  labelsToTags,
  SPUFF_TAG,
  sizesSheet,
  toAccountCheck,
  toInstance,
  toSnapshot,
} from "./map.ts";
import { doVolumes } from "./volumes.ts";

export const DEFAULT_API_URL = "https://api.digitalocean.com";
const NAME = "digitalocean";
const TOKEN_HINT =
  "check DIGITALOCEAN_TOKEN (or digitalocean.token in the config): `spuff config set digitalocean.token -`";

export function createDigitalOceanProvider(o: ProviderFactoryOptions): Provider {
  const { http, clock } = providerHttp(o, {
    provider: NAME,
    baseUrl: o.env.DIGITALOCEAN_API_URL ?? DEFAULT_API_URL,
    noToken: {
      message: "No DigitalOcean API token is configured.",
      hint: "Set DIGITALOCEAN_TOKEN, or store it with `spuff config set digitalocean.token -`.",
    },
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
    async checkAccount() {
      return toAccountCheck(await api.account());
    },
    async createInstance(req) {
      const keyId = await api.ensureSshKey(req.sshPublicKey);
      // Applies to the spuff tag: in place before the droplet exists, so it is never uncovered.
      const store = doFirewallStore(http, api, req.sshAllowFrom ?? ANYWHERE);
      await ensureFirewall(store, desiredInbound(req.sshAllowFrom), o.log);
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
    firewalls: (id) => dropletFirewalls(api, id),
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
      return waitUntilReady(
        { provider: NAME, noun: "droplet", clock, getInstance: provider.getInstance },
        id,
        w,
      );
    },
    async createSnapshot(instanceId, name): Promise<Snapshot> {
      const action = await api.snapshotAction(instanceId, name);
      const what = `snapshot ${JSON.stringify(name)} of droplet ${instanceId}`;
      if (action === "unknown") {
        // Our first request probably started it: wait for the snapshot itself to appear.
        const snap = await waitFor({
          clock,
          timeoutMs: SNAPSHOT_TIMEOUT_MS,
          what,
          backoff: ACTION_BACKOFF,
          poll: () => api.dropletSnapshot(instanceId, name),
          isDone: (s) => s !== undefined,
        });
        if (snap) return toSnapshot(snap);
      } else if (action) {
        const done = await waitFor({
          clock,
          timeoutMs: SNAPSHOT_TIMEOUT_MS,
          what,
          backoff: ACTION_BACKOFF,
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
    async priceSheet() {
      return sizesSheet(await api.listSizes());
    },
    volumes: doVolumes(http, api, clock),
  };
  return provider;
}
