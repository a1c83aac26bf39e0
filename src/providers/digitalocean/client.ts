/**
 * Thin DigitalOcean API v2 calls on top of the shared HTTP policy: pagination and the
 * lost-response recovery for create live here; mapping to spuff types lives in map.ts.
 */

import { ProviderError } from "../errors.ts";
import type { HttpClient, Query } from "../http.ts";
import { ensureSshKey, keyName } from "../ssh-key.ts";
import {
  type DoAccount,
  type DoAction,
  type DoDroplet,
  type DoSize,
  type DoSnapshot,
  instanceTag,
  SPUFF_TAG,
  sshFingerprint,
} from "./map.ts";

const PER_PAGE = 200;
/** 1000 pages × 200 = far more than any account limit; a bound against a looping `next` link. */
const MAX_PAGES = 1000;

interface Page {
  links?: { pages?: { next?: string } };
}

export interface CreateDropletBody {
  name: string;
  region: string;
  size: string;
  image: string | number;
  ssh_keys: number[];
  user_data: string;
  tags: string[];
  monitoring: boolean;
}

export class DigitalOceanClient {
  constructor(private readonly http: HttpClient) {}

  /** Follows links.pages.next; only its path and query are used, so the token never leaves baseUrl. */
  async paginate<T>(path: string, key: string, query: Query = {}): Promise<T[]> {
    const out: T[] = [];
    let next: { path: string; query: Query } | undefined = { path, query: { ...query, per_page: PER_PAGE } };
    for (let i = 0; next && i < MAX_PAGES; i++) {
      const res: { body: Page & Record<string, unknown> } = await this.http.request("GET", next.path, {
        query: next.query,
      });
      out.push(...((res.body[key] as T[] | undefined) ?? []));
      const link = res.body.links?.pages?.next;
      next = link
        ? { path: new URL(link).pathname, query: Object.fromEntries(new URL(link).searchParams) }
        : undefined;
    }
    return out;
  }

  async createDroplet(body: CreateDropletBody): Promise<DoDroplet> {
    const res = await this.http.request<{ droplet: DoDroplet }>("POST", "/v2/droplets", {
      body,
      idempotent: false,
      // The POST may have created it before the response was lost: find it by its own tag.
      recover: async () => {
        const [found] = await this.paginate<DoDroplet>("/v2/droplets", "droplets", {
          tag_name: instanceTag(body.name),
        });
        return found ? { droplet: found } : undefined;
      },
    });
    return res.body.droplet;
  }

  /** GET /v2/account: who the token speaks for (needs the `account:read` scope). */
  async account(): Promise<DoAccount> {
    return (await this.http.request<{ account: DoAccount }>("GET", "/v2/account")).body.account;
  }

  async getDroplet(id: string): Promise<DoDroplet | undefined> {
    try {
      return (await this.http.request<{ droplet: DoDroplet }>("GET", `/v2/droplets/${enc(id)}`)).body.droplet;
    } catch (err) {
      if (err instanceof ProviderError && err.kind === "not_found") return undefined;
      throw err;
    }
  }

  listDroplets(): Promise<DoDroplet[]> {
    return this.paginate<DoDroplet>("/v2/droplets", "droplets", { tag_name: SPUFF_TAG });
  }

  /** Resolves true if deleted, false if it was already gone. */
  deleteDroplet(id: string): Promise<boolean> {
    return this.deleteIgnoringMissing(`/v2/droplets/${enc(id)}`);
  }

  /**
   * Start a snapshot. Returns the action to wait for, or "unknown" when a lost response was
   * re-sent and DO says an event is pending: most likely our own first request, still running.
   */
  async snapshotAction(dropletId: string, name: string): Promise<DoAction | "unknown" | undefined> {
    let recovered = false;
    try {
      const res = await this.http.request<{ action: DoAction | undefined }>(
        "POST",
        `/v2/droplets/${enc(dropletId)}/actions`,
        {
          body: { type: "snapshot", name },
          idempotent: false,
          // If the snapshot already exists the action ran: there is nothing to wait for.
          recover: async () => {
            recovered = true;
            return (await this.dropletSnapshot(dropletId, name)) ? { action: undefined } : undefined;
          },
        },
      );
      return res.body.action;
    } catch (err) {
      if (recovered && err instanceof ProviderError && err.status === 422 && /pending/i.test(err.message))
        return "unknown";
      throw err;
    }
  }

  /** Every size with its hourly and monthly price in USD (GET /v2/sizes). */
  listSizes(): Promise<DoSize[]> {
    return this.paginate<DoSize>("/v2/sizes", "sizes");
  }

  async getAction(id: number): Promise<DoAction> {
    return (await this.http.request<{ action: DoAction }>("GET", `/v2/actions/${id}`)).body.action;
  }

  async dropletSnapshot(dropletId: string, name: string): Promise<DoSnapshot | undefined> {
    const all = await this.paginate<DoSnapshot>(`/v2/droplets/${enc(dropletId)}/snapshots`, "snapshots");
    return all.filter((s) => s.name === name).at(-1);
  }

  listSnapshots(): Promise<DoSnapshot[]> {
    return this.paginate<DoSnapshot>("/v2/snapshots", "snapshots", { resource_type: "droplet" });
  }

  deleteSnapshot(id: string): Promise<boolean> {
    return this.deleteIgnoringMissing(`/v2/snapshots/${enc(id)}`);
  }

  /** The id of the account key matching `publicKey`, registering it if it is not there yet. */
  async ensureSshKey(publicKey: string): Promise<number> {
    const fp = sshFingerprint(publicKey);
    const find = async () => {
      const keys = await this.paginate<{ id: number; fingerprint: string }>("/v2/account/keys", "ssh_keys");
      return keys.find((k) => k.fingerprint === fp)?.id;
    };
    return ensureSshKey({
      find,
      register: async () => {
        const res = await this.http.request<{ ssh_key: { id: number } }>("POST", "/v2/account/keys", {
          body: { name: keyName(fp), public_key: publicKey.trim() },
          idempotent: false,
          recover: async () => {
            const id = await find();
            return id === undefined ? undefined : { ssh_key: { id } };
          },
        });
        return res.body.ssh_key.id;
      },
      // "SSH Key is already in use on your account": a concurrent `spuff up` registered it first.
      isDuplicate: (err) => err instanceof ProviderError && err.status === 422,
    });
  }

  private async deleteIgnoringMissing(path: string): Promise<boolean> {
    try {
      await this.http.request("DELETE", path);
      return true;
    } catch (err) {
      if (err instanceof ProviderError && err.kind === "not_found") return false;
      throw err;
    }
  }
}

const enc = (id: string) => encodeURIComponent(id);
