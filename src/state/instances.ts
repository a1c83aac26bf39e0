/** The instances repository: the seed's operations (save, get, list, remove, update ip) plus lookups by name. */
import { BillingStore, closeRun, openRun } from "./billing.ts";
import type { Db } from "./db.ts";
import { corruptionError, isCorruption } from "./db.ts";
import type { InstanceOwner, InstancePatch, InstanceRecord, InstanceStatus, NewInstance } from "./types.ts";
import { VolumeStore } from "./volumes.ts";

interface Row {
  id: string;
  name: string;
  provider: string;
  provider_id: string | null;
  region: string;
  size: string;
  image: string | null;
  ip: string | null;
  ssh_port: number;
  ssh_user: string;
  status: string;
  phase: string | null;
  tags: string;
  host_key: string | null;
  idle_timeout_ms: number | null;
  created_at: string;
  ready_at: string | null;
  deadline_at: string | null;
  updated_at: string;
  error: string | null;
  owner: string | null;
}

const COLUMNS: Record<keyof Omit<InstanceRecord, "tags" | "owner">, keyof Row> = {
  id: "id",
  name: "name",
  provider: "provider",
  providerId: "provider_id",
  region: "region",
  size: "size",
  image: "image",
  ip: "ip",
  sshPort: "ssh_port",
  sshUser: "ssh_user",
  status: "status",
  phase: "phase",
  hostKey: "host_key",
  idleTimeoutMs: "idle_timeout_ms",
  createdAt: "created_at",
  readyAt: "ready_at",
  deadlineAt: "deadline_at",
  updatedAt: "updated_at",
  error: "error",
};

function fromRow(r: Row): InstanceRecord {
  return {
    id: r.id,
    name: r.name,
    provider: r.provider,
    providerId: r.provider_id,
    region: r.region,
    size: r.size,
    image: r.image,
    ip: r.ip,
    sshPort: r.ssh_port,
    sshUser: r.ssh_user,
    status: r.status as InstanceStatus,
    phase: r.phase,
    tags: JSON.parse(r.tags) as Record<string, string>,
    hostKey: r.host_key,
    idleTimeoutMs: r.idle_timeout_ms,
    createdAt: r.created_at,
    readyAt: r.ready_at,
    deadlineAt: r.deadline_at,
    updatedAt: r.updated_at,
    error: r.error,
    owner: r.owner ? (JSON.parse(r.owner) as InstanceOwner) : null,
  };
}

export class InstanceStore {
  /** Billing history and cached prices, in the same database (state/billing.ts). */
  readonly billing: BillingStore;
  /** Workspace volumes, in the same database and transactions (state/volumes.ts). */
  readonly volumes: VolumeStore;

  constructor(
    private readonly db: Db,
    private readonly file: string,
    private readonly now: () => number = Date.now,
  ) {
    this.billing = new BillingStore(db, (fn) => this.guard(fn));
    this.volumes = new VolumeStore(
      db,
      (fn) => this.guard(fn),
      (fn) => this.write(fn),
      now,
    );
  }

  /** Run a statement, turning corruption found mid-way into the same quarantine-and-fail path as on open. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (isCorruption(err)) {
        this.db.close();
        throw corruptionError(this.file, err);
      }
      throw err;
    }
  }

  private write<T>(fn: () => T): T {
    return this.guard(() => this.db.transaction(fn).immediate());
  }

  save(input: NewInstance): InstanceRecord {
    const ts = new Date(this.now()).toISOString();
    const record: InstanceRecord = {
      ...input,
      id: input.id ?? globalThis.crypto.randomUUID(),
      owner: input.owner ?? null,
      updatedAt: ts,
    };
    this.write(() => {
      this.db
        .prepare(
          `INSERT INTO instances (id, name, provider, provider_id, region, size, image, ip, ssh_port, ssh_user,
             status, phase, tags, host_key, idle_timeout_ms, created_at, ready_at, deadline_at, updated_at, error,
             owner)
           VALUES (@id, @name, @provider, @providerId, @region, @size, @image, @ip, @sshPort, @sshUser,
             @status, @phase, @tags, @hostKey, @idleTimeoutMs, @createdAt, @readyAt, @deadlineAt, @updatedAt, @error,
             @owner)`,
        )
        .run({ ...record, tags: JSON.stringify(record.tags), owner: ownerJson(record.owner) });
      if (record.providerId) openRun(this.db, record, record.createdAt);
    });
    return record;
  }

  get(id: string): InstanceRecord | undefined {
    return this.guard(() => {
      const row = this.db.prepare("SELECT * FROM instances WHERE id = ?").get(id) as Row | undefined;
      return row ? fromRow(row) : undefined;
    });
  }

  getByName(name: string): InstanceRecord | undefined {
    return this.guard(() => {
      const row = this.db.prepare("SELECT * FROM instances WHERE name = ?").get(name) as Row | undefined;
      return row ? fromRow(row) : undefined;
    });
  }

  getByProviderId(provider: string, providerId: string): InstanceRecord | undefined {
    return this.guard(() => {
      const row = this.db
        .prepare("SELECT * FROM instances WHERE provider = ? AND provider_id = ?")
        .get(provider, providerId) as Row | undefined;
      return row ? fromRow(row) : undefined;
    });
  }

  list(): InstanceRecord[] {
    return this.guard(() =>
      (this.db.prepare("SELECT * FROM instances ORDER BY created_at, name").all() as Row[]).map(fromRow),
    );
  }

  /** Update some fields; returns the new record, or undefined if the instance is gone. */
  update(id: string, patch: InstancePatch): InstanceRecord | undefined {
    const sets: string[] = [];
    const params: Record<string, unknown> = { id, updatedAt: new Date(this.now()).toISOString() };
    for (const [key, value] of Object.entries(patch)) {
      if (key === "tags") {
        sets.push("tags = @tags");
        params.tags = JSON.stringify(value);
        continue;
      }
      if (key === "owner") {
        sets.push("owner = @owner");
        params.owner = ownerJson(value as InstanceOwner | null);
        continue;
      }
      const col = COLUMNS[key as keyof typeof COLUMNS];
      if (!col) continue;
      sets.push(`${col} = @${key}`);
      params[key] = value;
    }
    return this.write(() => {
      if (sets.length > 0) {
        this.db
          .prepare(`UPDATE instances SET ${sets.join(", ")}, updated_at = @updatedAt WHERE id = @id`)
          .run(params);
      }
      const row = this.db.prepare("SELECT * FROM instances WHERE id = ?").get(id) as Row | undefined;
      const record = row ? fromRow(row) : undefined;
      // The provider has it from now on: billing starts (the create call has just returned).
      if (record?.providerId && patch.providerId) openRun(this.db, record, params.updatedAt as string);
      return record;
    });
  }

  /**
   * True when some record's hard deadline (max_lifetime) has passed. One indexed lookup, run on
   * every invocation that opened state, so the reaper costs nothing until there is work for it.
   */
  hasExpired(nowIso: string): boolean {
    return this.guard(
      () =>
        this.db
          .prepare("SELECT 1 FROM instances WHERE deadline_at IS NOT NULL AND deadline_at <= ? LIMIT 1")
          .get(nowIso) !== undefined,
    );
  }

  /** Records whose hard deadline has passed, oldest deadline first. */
  expired(nowIso: string): InstanceRecord[] {
    return this.guard(() =>
      (
        this.db
          .prepare(
            "SELECT * FROM instances WHERE deadline_at IS NOT NULL AND deadline_at <= ? ORDER BY deadline_at",
          )
          .all(nowIso) as Row[]
      ).map(fromRow),
    );
  }

  updateIp(id: string, ip: string): InstanceRecord | undefined {
    return this.update(id, { ip });
  }

  /**
   * Remove a record; true if it existed. Callers forget an instance only once its destroy is
   * confirmed, so this is also where its billing run ends (the run itself is kept).
   */
  remove(id: string): boolean {
    return this.write(() => {
      closeRun(this.db, id, new Date(this.now()).toISOString());
      return this.db.prepare("DELETE FROM instances WHERE id = ?").run(id).changes > 0;
    });
  }

  close(): void {
    this.db.close();
  }
}

function ownerJson(owner: InstanceOwner | null | undefined): string | null {
  return owner ? JSON.stringify(owner) : null;
}
