/**
 * The Hetzner Cloud provider: `Provider` on top of HetznerClient. Base URL from HCLOUD_ENDPOINT
 * (the variable the official `hcloud` CLI reads; the simulator gives one), token resolved by the
 * caller from HCLOUD_TOKEN / HETZNER_TOKEN / hetzner.token.
 */
import { ProviderError } from "../errors.ts";
import { providerHttp } from "../provider-http.ts";
import type { ProviderFactoryOptions } from "../registry.ts";
import type { Provider, Snapshot } from "../types.ts";
import { ACTION_BACKOFF, SNAPSHOT_TIMEOUT_MS, waitFor } from "../wait.ts";
import { waitUntilReady } from "../wait-ready.ts";
import { HetznerClient } from "./client.ts";
import { hetznerErrorFromResponse, TOKEN_HINT } from "./errors.ts";
import { type HzAction, imageRef, serverLabels, toInstance, toSnapshot } from "./map.ts";

export const DEFAULT_ENDPOINT = "https://api.hetzner.cloud/v1";
const NAME = "hetzner";

/** Deleting a server takes seconds; this bounds a stuck delete action. */
const DELETE_TIMEOUT_MS = 5 * 60_000;

export function createHetznerProvider(o: ProviderFactoryOptions): Provider {
  const { http, clock } = providerHttp(o, {
    provider: NAME,
    baseUrl: o.env.HCLOUD_ENDPOINT ?? DEFAULT_ENDPOINT,
    noToken: {
      message: "No Hetzner Cloud API token is configured.",
      hint: "Set HCLOUD_TOKEN (or HETZNER_TOKEN), or store it with `spuff config set hetzner.token -`.",
    },
    classify: hetznerErrorFromResponse,
    hints: {
      authentication: TOKEN_HINT,
      invalidSize:
        "List server types with `hcloud server-type list` and set one with `spuff config set hetzner.size <name>`.",
    },
  });
  const api = new HetznerClient(http);
  let locations: Promise<string[]> | undefined;
  /** Fetched once per provider (snapshot regions); a failed fetch is not cached. */
  const locationNames = () =>
    (locations ??= api.locationNames().catch((err: unknown) => {
      locations = undefined;
      throw err;
    }));

  /** Polls an action until it leaves `running`; an `error` action becomes a ProviderError. */
  async function finish(action: HzAction, what: string, timeoutMs: number): Promise<void> {
    const done =
      action.status === "running"
        ? await waitFor({
            clock,
            timeoutMs,
            what,
            backoff: ACTION_BACKOFF,
            poll: () => api.getAction(action.id),
            isDone: (a) => a.status !== "running",
          })
        : action;
    if (done.status === "error") {
      throw new ProviderError({
        kind: "api",
        provider: NAME,
        message: `Hetzner action ${action.id} (${what}) failed: ${done.error?.code}: ${done.error?.message}`,
      });
    }
  }

  const provider: Provider = {
    name: NAME,
    async createInstance(req) {
      const keyId = await api.ensureSshKey(req.sshPublicKey);
      const s = await api.createServer({
        name: req.name,
        location: req.region,
        server_type: req.size,
        image: imageRef(req.image),
        ssh_keys: [String(keyId)],
        user_data: req.userData,
        labels: serverLabels(req.name, req.labels),
        start_after_create: true,
      });
      return toInstance(s);
    },
    async destroyInstance(id) {
      // A powered-off server still bills: only a finished delete action ends it.
      let action: HzAction | undefined;
      try {
        action = await api.deleteServer(id);
      } catch (err) {
        // `locked`: a delete (ours, re-sent after a lost response) is already running.
        if (!(err instanceof ProviderError && err.status === 423)) throw err;
        await waitFor({
          clock,
          timeoutMs: DELETE_TIMEOUT_MS,
          what: `server ${id} to be deleted`,
          backoff: ACTION_BACKOFF,
          poll: () => api.getServer(id),
          isDone: (s) => s === undefined,
        });
        return;
      }
      if (action) await finish(action, `delete server ${id}`, DELETE_TIMEOUT_MS);
      o.log?.debug(action ? "server deleted" : "server already gone", { id });
    },
    async getInstance(id) {
      const s = await api.getServer(id);
      return s && toInstance(s);
    },
    async listInstances() {
      return (await api.listServers()).map(toInstance);
    },
    waitReady(id, w) {
      return waitUntilReady(
        { provider: NAME, noun: "server", clock, getInstance: provider.getInstance },
        id,
        w,
      );
    },
    async createSnapshot(instanceId, name): Promise<Snapshot> {
      const what = `snapshot ${JSON.stringify(name)} of server ${instanceId}`;
      const { image, action } = await api.createSnapshot(instanceId, name);
      if (action) await finish(action, what, SNAPSHOT_TIMEOUT_MS);
      const ready = await waitFor({
        clock,
        timeoutMs: SNAPSHOT_TIMEOUT_MS,
        what,
        backoff: ACTION_BACKOFF,
        poll: () => api.getImage(image.id),
        isDone: (i) => i === undefined || i.status !== "creating",
      });
      if (ready?.status !== "available") {
        throw new ProviderError({
          kind: "api",
          provider: NAME,
          message: `Snapshot ${JSON.stringify(name)} ended ${ready?.status ?? "deleted"} on Hetzner.`,
        });
      }
      return toSnapshot(ready, await locationNames());
    },
    async listSnapshots() {
      const [images, where] = await Promise.all([api.listSnapshots(), locationNames()]);
      return images.map((i) => toSnapshot(i, where));
    },
    async deleteSnapshot(id) {
      await api.deleteImage(id);
    },
  };
  return provider;
}
