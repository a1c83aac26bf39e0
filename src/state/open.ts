/** One lazily loaded entry for the state layer: open, migrate and wrap the database. */
import { openStateDb } from "./db.ts";
import { InstanceStore } from "./instances.ts";

export function openInstanceStore(file: string, now: () => number): InstanceStore {
  return new InstanceStore(openStateDb(file), file, now);
}
