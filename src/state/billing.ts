/**
 * Billing history and cached price sheets (migration v4). A run is opened when an instance gets
 * its provider id and closed when spuff forgets it (the destroy was confirmed); closed runs stay,
 * so month-to-date spend includes machines that are gone. Both writes happen inside the instance
 * store's own transactions (instances.ts), so a record and its run never disagree.
 */
import type { Statement } from "better-sqlite3";
import type { Db } from "./db.ts";

export interface InstanceRun {
  instanceId: string;
  name: string;
  provider: string;
  providerId: string | null;
  region: string;
  size: string;
  startedAt: string;
  stoppedAt: string | null;
  /** The rate it was first priced at (src/cost), so its history stays priced once caches age. */
  rate: StoredRate | null;
}

/** src/cost's Rate, as stored. */
export interface StoredRate {
  micros: number;
  per: "hour" | "month";
  currency: string;
  source: string;
  asOf: string;
}

interface RunRow {
  instance_id: string;
  name: string;
  provider: string;
  provider_id: string | null;
  region: string;
  size: string;
  started_at: string;
  stopped_at: string | null;
  rate_micros: number | null;
  rate_per: string | null;
  rate_currency: string | null;
  rate_source: string | null;
  rate_as_of: string | null;
}

export interface CachedSheet {
  sheet: unknown;
  fetchedAt: string;
}

/** Start a run unless this instance has one (a provider id set twice, or a retried update). */
export function openRun(
  db: Db,
  r: { id: string; name: string; provider: string; providerId: string | null; region: string; size: string },
  startedAt: string,
): void {
  db.prepare(
    `INSERT OR IGNORE INTO instance_runs (instance_id, name, provider, provider_id, region, size, started_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(r.id, r.name, r.provider, r.providerId, r.region, r.size, startedAt);
}

export function closeRun(db: Db, instanceId: string, stoppedAt: string): void {
  db.prepare("UPDATE instance_runs SET stopped_at = ? WHERE instance_id = ? AND stopped_at IS NULL").run(
    stoppedAt,
    instanceId,
  );
}

export class BillingStore {
  constructor(
    private readonly db: Db,
    private readonly guard: <T>(fn: () => T) => T,
  ) {}

  /** Runs that were open at some point in [fromIso, …): still running, or stopped after fromIso. */
  runsSince(fromIso: string): InstanceRun[] {
    return this.guard(() =>
      (
        this.db
          .prepare(
            "SELECT * FROM instance_runs WHERE stopped_at IS NULL OR stopped_at > ? ORDER BY started_at",
          )
          .all(fromIso) as RunRow[]
      ).map(fromRow),
    );
  }

  /** Prepared once: `list` asks it for every instance (100 prepares cost ~2 ms). */
  private runQuery: Statement | undefined;

  run(instanceId: string): InstanceRun | undefined {
    return this.guard(() => {
      this.runQuery ??= this.db.prepare("SELECT * FROM instance_runs WHERE instance_id = ?");
      const row = this.runQuery.get(instanceId) as RunRow | undefined;
      return row ? fromRow(row) : undefined;
    });
  }

  /** Keep the first rate a run was priced at; later prices never rewrite its history. */
  rememberRate(instanceId: string, rate: StoredRate): void {
    this.guard(() =>
      this.db
        .prepare(
          `UPDATE instance_runs SET rate_micros = ?, rate_per = ?, rate_currency = ?, rate_source = ?, rate_as_of = ?
           WHERE instance_id = ? AND rate_micros IS NULL`,
        )
        .run(rate.micros, rate.per, rate.currency, rate.source, rate.asOf, instanceId),
    );
  }

  cachedSheet(provider: string): CachedSheet | undefined {
    return this.guard(() => {
      const row = this.db
        .prepare("SELECT sheet, fetched_at FROM price_cache WHERE provider = ?")
        .get(provider) as { sheet: string; fetched_at: string } | undefined;
      if (!row) return undefined;
      try {
        return { sheet: JSON.parse(row.sheet), fetchedAt: row.fetched_at };
      } catch {
        return undefined; // an unreadable cache entry is no price at all
      }
    });
  }

  cacheSheet(provider: string, sheet: unknown, fetchedAt: string): void {
    this.guard(() =>
      this.db
        .prepare(
          `INSERT INTO price_cache (provider, sheet, fetched_at) VALUES (?, ?, ?)
           ON CONFLICT (provider) DO UPDATE SET sheet = excluded.sheet, fetched_at = excluded.fetched_at`,
        )
        .run(provider, JSON.stringify(sheet), fetchedAt),
    );
  }
}

function fromRow(r: RunRow): InstanceRun {
  return {
    instanceId: r.instance_id,
    name: r.name,
    provider: r.provider,
    providerId: r.provider_id,
    region: r.region,
    size: r.size,
    startedAt: r.started_at,
    stoppedAt: r.stopped_at,
    rate:
      r.rate_micros !== null && (r.rate_per === "hour" || r.rate_per === "month") && r.rate_currency
        ? {
            micros: r.rate_micros,
            per: r.rate_per,
            currency: r.rate_currency,
            source: r.rate_source ?? "",
            asOf: r.rate_as_of ?? "",
          }
        : null,
  };
}
