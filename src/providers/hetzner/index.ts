/**
 * The Hetzner Cloud provider: `Provider` on top of HetznerClient. Base URL from HCLOUD_ENDPOINT
 * (the variable the official `hcloud` CLI reads; the simulator gives one), token resolved by the
 * caller from HCLOUD_TOKEN / HETZNER_TOKEN / hetzner.token.
 */
import { visibleLine as printable } from "../../core/visible.ts";
import { ANYWHERE, desiredInbound, ensureFirewall } from "../firewall.ts";
import { providerHttp } from "../provider-http.ts";
import type { ProviderFactoryOptions } from "../registry.ts";
import type { Provider, Snapshot } from "../types.ts";
import { waitUntilReady } from "../wait-ready.ts";
import { deleteServer, snapshotServer } from "./actions.ts";
import { HetznerClient } from "./client.ts";
import { hetznerErrorFromResponse, TOKEN_HINT } from "./errors.ts";
import { hzFirewallStore, serverFirewalls } from "./firewall.ts";
import { imageRef, serverLabels, toInstance, toSnapshot } from "./map.ts";
import { pricingSheet } from "./pricing.ts";
import { hetznerVolumes } from "./volumes.ts";

export const DEFAULT_ENDPOINT = "https://api.hetzner.cloud/v1";
const NAME = "hetzner";

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

  const ctx = { api, clock };

  const provider: Provider = {
    name: NAME,
    async checkAccount() {
      // Hetzner has no "who am I": a token belongs to one project and the API never names it.
      // A read only proves the token is valid; Read & Write is first needed (and checked) by `up`.
      const names = await api.locationNames();
      return {
        account: "the Hetzner Cloud project this token belongs to (the API does not name it)",
        evidence: `GET /locations: ${names.length} locations read (${printable(names.join(", "))})`,
      };
    },
    async createInstance(req) {
      const keyId = await api.ensureSshKey(req.sshPublicKey);
      const store = hzFirewallStore(http, api, req.sshAllowFrom ?? ANYWHERE);
      const { firewall } = await ensureFirewall(store, desiredInbound(req.sshAllowFrom), o.log);
      const s = await api.createServer({
        name: req.name,
        location: req.region,
        server_type: req.size,
        image: imageRef(req.image),
        ssh_keys: [String(keyId)],
        user_data: req.userData,
        labels: serverLabels(req.name, req.labels),
        start_after_create: true,
        // Also covered by the label selector; passing it here closes the gap before that applies.
        firewalls: [{ firewall: firewall.id }],
      });
      return toInstance(s);
    },
    firewalls: (id) => serverFirewalls(http, api, id),
    async destroyInstance(id) {
      await deleteServer(ctx, id, o.log);
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
    createSnapshot(instanceId, name): Promise<Snapshot> {
      return snapshotServer(ctx, instanceId, name, locationNames);
    },
    async listSnapshots() {
      const [images, where] = await Promise.all([api.listSnapshots(), locationNames()]);
      return images.map((i) => toSnapshot(i, where));
    },
    async deleteSnapshot(id) {
      await api.deleteImage(id);
    },
    async priceSheet() {
      return pricingSheet(await api.pricing());
    },
    volumes: hetznerVolumes(http, api, clock),
  };
  return provider;
}
