/**
 * Thin Hetzner Cloud API v1 calls on top of the shared HTTP policy: page-number pagination and
 * the lost-response recovery for creates live here; mapping to spuff types lives in map.ts.
 * Paths are relative to the endpoint (https://api.hetzner.cloud/v1), as HCLOUD_ENDPOINT gives it.
 */
import { ProviderError } from "../errors.ts";
import type { HttpClient, Query } from "../http.ts";
import { md5Fingerprint } from "../ssh-fingerprint.ts";
import { ensureSshKey, keyName } from "../ssh-key.ts";
import { type HzAction, type HzImage, type HzServer, SPUFF_LABEL } from "./map.ts";
import type { HzPricing } from "./pricing.ts";

/** The API's maximum page size. */
const PER_PAGE = 50;
/** 1000 pages × 50 = far more than any project limit; a bound against a looping next_page. */
const MAX_PAGES = 1000;

interface Paged {
  meta?: { pagination?: { next_page: number | null } };
}

export interface CreateServerBody {
  name: string;
  location: string;
  server_type: string;
  image: string;
  ssh_keys: string[];
  user_data: string;
  labels: Record<string, string>;
  start_after_create: true;
  /** Firewalls applied before the server boots (providers/hetzner/firewall.ts). */
  firewalls?: { firewall: number }[];
}

export class HetznerClient {
  constructor(private readonly http: HttpClient) {}

  /** Follows meta.pagination.next_page until it is null. */
  async paginate<T>(path: string, key: string, query: Query = {}): Promise<T[]> {
    const out: T[] = [];
    let page: number | null = 1;
    for (let i = 0; page !== null && i < MAX_PAGES; i++) {
      const res: { body: Paged & Record<string, unknown> } = await this.http.request("GET", path, {
        query: { ...query, page, per_page: PER_PAGE },
      });
      out.push(...((res.body[key] as T[] | undefined) ?? []));
      page = res.body.meta?.pagination?.next_page ?? null;
    }
    return out;
  }

  /** spuff's server with this exact name (names are unique per project). */
  async serverNamed(name: string): Promise<HzServer | undefined> {
    const found = await this.paginate<HzServer>("/servers", "servers", { name });
    return found.find((s) => s.name === name && s.labels[SPUFF_LABEL] === "true");
  }

  async createServer(body: CreateServerBody): Promise<HzServer> {
    const res = await this.http.request<{ server: HzServer }>("POST", "/servers", {
      body,
      idempotent: false,
      // Names are unique per project: if the POST went through before its response was lost, the
      // server is there under this name and a re-send would only get uniqueness_error.
      recover: async () => {
        const found = await this.serverNamed(body.name);
        return found ? { server: found } : undefined;
      },
    });
    return res.body.server;
  }

  async getServer(id: string): Promise<HzServer | undefined> {
    return (await unlessGone(this.http.request<{ server: HzServer }>("GET", `/servers/${enc(id)}`)))?.body
      .server;
  }

  listServers(): Promise<HzServer[]> {
    return this.paginate<HzServer>("/servers", "servers", { label_selector: `${SPUFF_LABEL}=true` });
  }

  /** The delete action, or undefined when the server was already gone. */
  async deleteServer(id: string): Promise<HzAction | undefined> {
    return (await unlessGone(this.http.request<{ action: HzAction }>("DELETE", `/servers/${enc(id)}`)))?.body
      .action;
  }

  async getAction(id: number): Promise<HzAction> {
    return (await this.http.request<{ action: HzAction }>("GET", `/actions/${id}`)).body.action;
  }

  /**
   * Start a snapshot of the server. `action` is absent when a lost response was recovered: the
   * image then already exists (maybe still "creating") and is waited for directly.
   */
  async createSnapshot(
    serverId: string,
    description: string,
  ): Promise<{ image: HzImage; action: HzAction | undefined }> {
    const res = await this.http.request<{ image: HzImage; action: HzAction | undefined }>(
      "POST",
      `/servers/${enc(serverId)}/actions/create_image`,
      {
        body: { type: "snapshot", description, labels: { [SPUFF_LABEL]: "true" } },
        idempotent: false,
        recover: async () => {
          const image = await this.snapshotOf(serverId, description);
          return image ? { image, action: undefined } : undefined;
        },
      },
    );
    return res.body;
  }

  /** The newest spuff snapshot of this server with this description. */
  async snapshotOf(serverId: string, description: string): Promise<HzImage | undefined> {
    const all = await this.paginate<HzImage>("/images", "images", {
      type: "snapshot",
      label_selector: `${SPUFF_LABEL}=true`,
    });
    return all.filter((i) => i.description === description && String(i.created_from?.id) === serverId).at(-1);
  }

  async getImage(id: number | string): Promise<HzImage | undefined> {
    return (await unlessGone(this.http.request<{ image: HzImage }>("GET", `/images/${enc(String(id))}`)))
      ?.body.image;
  }

  listSnapshots(): Promise<HzImage[]> {
    return this.paginate<HzImage>("/images", "images", { type: "snapshot" });
  }

  /** Resolves true if deleted, false if it was already gone. */
  async deleteImage(id: string): Promise<boolean> {
    return (await unlessGone(this.http.request("DELETE", `/images/${enc(id)}`))) !== undefined;
  }

  async pricing(): Promise<HzPricing> {
    return (await this.http.request<{ pricing: HzPricing }>("GET", "/pricing")).body.pricing;
  }

  async locationNames(): Promise<string[]> {
    return (await this.paginate<{ name: string }>("/locations", "locations")).map((l) => l.name);
  }

  /** The id of the project key matching `publicKey`, registering it if it is not there yet. */
  async ensureSshKey(publicKey: string): Promise<number> {
    const fingerprint = md5Fingerprint(publicKey);
    const find = async () =>
      (await this.paginate<{ id: number }>("/ssh_keys", "ssh_keys", { fingerprint }))[0]?.id;
    return ensureSshKey({
      find,
      register: async () => {
        const res = await this.http.request<{ ssh_key: { id: number } }>("POST", "/ssh_keys", {
          body: {
            name: keyName(fingerprint),
            public_key: publicKey.trim(),
            labels: { [SPUFF_LABEL]: "true" },
          },
          idempotent: false,
          recover: async () => {
            const id = await find();
            return id === undefined ? undefined : { ssh_key: { id } };
          },
        });
        return res.body.ssh_key.id;
      },
      // uniqueness_error (same fingerprint or name): a concurrent `spuff up` registered it first.
      isDuplicate: (err) => err instanceof ProviderError && err.status === 409,
    });
  }
}

const enc = (id: string) => encodeURIComponent(id);
/** The response, or undefined on 404: for Hetzner a missing resource is an answer, not a failure. */
async function unlessGone<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ProviderError && err.kind === "not_found") return undefined;
    throw err;
  }
}
