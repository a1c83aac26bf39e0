/** The volumes repository: what spuff knows of the workspace volumes it made (migration v4). */
import type { Db } from "./db.ts";

export interface VolumeRecord {
  provider: string;
  name: string;
  providerId: string;
  region: string;
  sizeGb: number;
  /** The filesystem UUID the guest reported at the last mount; null until then. */
  fsUuid: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  provider: string;
  name: string;
  provider_id: string;
  region: string;
  size_gb: number;
  fs_uuid: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: Row): VolumeRecord => ({
  provider: r.provider,
  name: r.name,
  providerId: r.provider_id,
  region: r.region,
  sizeGb: r.size_gb,
  fsUuid: r.fs_uuid,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class VolumeStore {
  constructor(
    private readonly db: Db,
    /** The instance store's corruption guard and IMMEDIATE write transaction. */
    private readonly guard: <T>(fn: () => T) => T,
    private readonly write: <T>(fn: () => T) => T,
    private readonly now: () => number,
  ) {}

  /** Insert or replace the record of (provider, name). */
  put(v: Omit<VolumeRecord, "updatedAt" | "createdAt"> & { createdAt?: string }): VolumeRecord {
    const ts = new Date(this.now()).toISOString();
    const rec: VolumeRecord = {
      ...v,
      createdAt: v.createdAt ?? this.get(v.provider, v.name)?.createdAt ?? ts,
      updatedAt: ts,
    };
    this.write(() =>
      this.db
        .prepare(
          `INSERT INTO volumes (provider, name, provider_id, region, size_gb, fs_uuid, created_at, updated_at)
           VALUES (@provider, @name, @providerId, @region, @sizeGb, @fsUuid, @createdAt, @updatedAt)
           ON CONFLICT (provider, name) DO UPDATE SET provider_id = excluded.provider_id,
             region = excluded.region, size_gb = excluded.size_gb, fs_uuid = excluded.fs_uuid,
             updated_at = excluded.updated_at`,
        )
        .run(rec),
    );
    return rec;
  }

  get(provider: string, name: string): VolumeRecord | undefined {
    return this.guard(() => {
      const row = this.db
        .prepare("SELECT * FROM volumes WHERE provider = ? AND name = ?")
        .get(provider, name) as Row | undefined;
      return row ? fromRow(row) : undefined;
    });
  }

  list(provider?: string): VolumeRecord[] {
    return this.guard(() => {
      const rows = (
        provider
          ? this.db.prepare("SELECT * FROM volumes WHERE provider = ? ORDER BY name").all(provider)
          : this.db.prepare("SELECT * FROM volumes ORDER BY provider, name").all()
      ) as Row[];
      return rows.map(fromRow);
    });
  }

  remove(provider: string, name: string): void {
    this.write(() =>
      this.db.prepare("DELETE FROM volumes WHERE provider = ? AND name = ?").run(provider, name),
    );
  }
}
