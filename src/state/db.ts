/**
 * The local state database (SQLite via better-sqlite3). WAL + busy timeout so many spuff
 * processes can share it; every write in an IMMEDIATE transaction; migrations applied under the
 * same lock. A corrupt or foreign file is never deleted or reset: it is moved aside, the user is
 * told where, and the command fails.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { StateError } from "../core/errors.ts";
import { LATEST_VERSION, MIGRATIONS } from "./migrations.ts";

export type Db = Database.Database;

const BUSY_TIMEOUT_MS = 10_000;

// Passing the addon's path skips the `bindings` package's directory search and package.json reads
// (~10 ms of every start-up). In an installed spuff the bundle sits at dist/cli/state/ with the
// package's own node_modules three levels up; elsewhere (tests, odd layouts) ask the resolver.
const ADDON = "better-sqlite3/build/Release/better_sqlite3.node";
let nativeBinding: string | undefined;
export function addonPath(): string | undefined {
  if (nativeBinding) return nativeBinding;
  const here = typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
  const beside = path.resolve(path.dirname(here), "../../../node_modules", ADDON);
  try {
    nativeBinding = fs.existsSync(beside) ? beside : createRequire(here).resolve(ADDON);
  } catch {
    return undefined; // let better-sqlite3 search for it
  }
  return nativeBinding;
}
const CORRUPT_CODES = /^SQLITE_(NOTADB|CORRUPT)/;

export function isCorruption(err: unknown): boolean {
  return (
    typeof (err as { code?: unknown })?.code === "string" &&
    CORRUPT_CODES.test((err as { code: string }).code)
  );
}

/** Move the database and its WAL/SHM companions aside; returns the new path of the main file. */
export function quarantine(file: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const target = `${file}.corrupt-${stamp}`;
  fs.renameSync(file, target);
  for (const suffix of ["-wal", "-shm"]) {
    if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, target + suffix);
  }
  return target;
}

export function corruptionError(file: string, err: unknown): StateError {
  let moved: string | undefined;
  try {
    moved = quarantine(file);
  } catch {
    // Could not move it (permissions?): leave it exactly where it is.
  }
  const where = moved ? `It was moved aside, unchanged, to ${moved}.` : "It was left in place, unchanged.";
  return new StateError(
    "state_corrupt",
    `The state database ${file} is corrupt or not a spuff database. ${where}`,
    {
      hint:
        "Nothing was reset. Run `spuff gc` to find instances still running at your provider, " +
        "or inspect the moved file with sqlite3.",
      cause: err,
      details: { file, moved_to: moved ?? null, sqlite_code: (err as { code?: string })?.code ?? null },
    },
  );
}

function migrate(db: Db): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current === LATEST_VERSION) return;
  if (current > LATEST_VERSION) {
    throw new StateError(
      "state_too_new",
      `The state database was written by a newer spuff (schema ${current}, this one knows ${LATEST_VERSION})`,
      { hint: "Upgrade spuff." },
    );
  }
  // IMMEDIATE takes the write lock first, so concurrent first runs migrate exactly once.
  db.transaction(() => {
    const inTx = db.pragma("user_version", { simple: true }) as number;
    for (const m of MIGRATIONS) {
      if (m.version <= inTx) continue;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}

/** Open (creating if needed) and migrate the state database. */
export function openStateDb(file: string): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // Create it 0600 ourselves: SQLite gives the -wal/-shm files the same mode as the main file.
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_RDWR, 0o600));
  } catch (err) {
    throw new StateError(
      "state_unreadable",
      `Cannot open the state database ${file}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  let db: Db | undefined;
  try {
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS, nativeBinding: addonPath() });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    migrate(db);
    return db;
  } catch (err) {
    db?.close();
    if (isCorruption(err)) throw corruptionError(file, err);
    if (err instanceof StateError) throw err;
    throw new StateError(
      "state_unreadable",
      `Cannot use the state database ${file}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}
