/**
 * Versioned schema migrations, tracked with PRAGMA user_version. Version 1 is the seed's
 * `instances` table exactly, so a database written by the original tool upgrades in place.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "seed schema: instances",
    sql: `
      CREATE TABLE IF NOT EXISTS instances (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        ip TEXT NOT NULL,
        provider TEXT NOT NULL,
        region TEXT NOT NULL,
        size TEXT NOT NULL,
        created_at TEXT NOT NULL,
        active INTEGER DEFAULT 1
      );`,
  },
  {
    // The seed keyed rows by the provider's id and allowed one "active" instance. We need many named
    // instances, an intent record written before the provider id exists, a lifecycle status,
    // deadlines and the pinned host key, so the table is rebuilt (SQLite cannot alter constraints).
    version: 2,
    description: "named instances with lifecycle, provider id, tags, deadlines and pinned host key",
    sql: `
      CREATE TABLE instances_v2 (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        provider TEXT NOT NULL,
        provider_id TEXT,
        region TEXT NOT NULL,
        size TEXT NOT NULL,
        image TEXT,
        ip TEXT,
        ssh_port INTEGER NOT NULL DEFAULT 22,
        ssh_user TEXT NOT NULL DEFAULT 'dev',
        status TEXT NOT NULL,
        phase TEXT,
        tags TEXT NOT NULL DEFAULT '{}',
        host_key TEXT,
        idle_timeout_ms INTEGER,
        created_at TEXT NOT NULL,
        ready_at TEXT,
        deadline_at TEXT,
        updated_at TEXT NOT NULL,
        error TEXT
      );
      INSERT INTO instances_v2 (id, name, provider, provider_id, region, size, ip, status, created_at, updated_at)
        SELECT id, name, provider, id, region, size, NULLIF(ip, ''), 'ready', created_at, created_at FROM instances;
      DROP TABLE instances;
      ALTER TABLE instances_v2 RENAME TO instances;
      CREATE INDEX instances_provider ON instances (provider, provider_id);`,
  },
  {
    // Which process is creating an instance, so `gc` in another process never destroys or forgets
    // what a live `up` is still making (its intent record has no provider id yet). JSON
    // {pid, host, start} or NULL; NULL on older rows, which gc judges by age instead.
    version: 3,
    description: "owner of an in-progress up (pid, host, process start)",
    sql: `
      ALTER TABLE instances ADD COLUMN owner TEXT;
      CREATE INDEX instances_deadline ON instances (deadline_at) WHERE deadline_at IS NOT NULL;`,
  },
  {
    // Billing history (src/cost): one run per instance from the moment the provider has it until
    // spuff forgets it (destroy confirmed), with the rate it was first priced at. Runs outlive
    // their instance rows, so month-to-date spend still counts a machine destroyed last week. And each provider's price sheet as last
    // read from its API, with the time it was read, so a stale price can be told from a fresh one.
    version: 4,
    description: "billing history (instance runs) and cached price sheets",
    sql: `
      CREATE TABLE instance_runs (
        instance_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        provider TEXT NOT NULL,
        provider_id TEXT,
        region TEXT NOT NULL,
        size TEXT NOT NULL,
        started_at TEXT NOT NULL,
        stopped_at TEXT,
        rate_micros INTEGER,
        rate_per TEXT,
        rate_currency TEXT,
        rate_source TEXT,
        rate_as_of TEXT
      );
      CREATE INDEX instance_runs_stopped ON instance_runs (stopped_at);
      INSERT INTO instance_runs (instance_id, name, provider, provider_id, region, size, started_at)
        SELECT id, name, provider, provider_id, region, size, created_at FROM instances
        WHERE provider_id IS NOT NULL;
      CREATE TABLE price_cache (
        provider TEXT PRIMARY KEY,
        sheet TEXT NOT NULL,
        fetched_at TEXT NOT NULL
      );`,
  },
  {
    // Workspace volumes outlive instances: state knows each one spuff made (gc reports tagged
    // volumes it does not know), its filesystem UUID once mounted, per provider and name.
    version: 5,
    description: "workspace volumes",
    sql: `
      CREATE TABLE volumes (
        provider TEXT NOT NULL,
        name TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        region TEXT NOT NULL,
        size_gb INTEGER NOT NULL,
        fs_uuid TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (provider, name)
      );`,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
