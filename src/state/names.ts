/**
 * Instance names for shell completion: the state database opened read-only, never created or
 * migrated, with a short busy timeout, so a TAB press stays fast and changes nothing. Any problem
 * (no database yet, locked, older schema) means "no names", never an error.
 */
import fs from "node:fs";
import Database from "better-sqlite3";
import { addonPath } from "./db.ts";

export interface InstanceName {
  name: string;
  provider: string;
  status: string;
}

export function instanceNamesReadOnly(file: string): InstanceName[] {
  if (!fs.existsSync(file)) return [];
  let db: Database.Database | undefined;
  try {
    db = new Database(file, {
      readonly: true,
      fileMustExist: true,
      timeout: 200,
      nativeBinding: addonPath(),
    });
    return db.prepare("SELECT name, provider, status FROM instances ORDER BY name").all() as InstanceName[];
  } catch {
    return [];
  } finally {
    db?.close();
  }
}
