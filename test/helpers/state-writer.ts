/**
 * A separate process that writes instances into a shared state DB through the real store:
 * used by the concurrency test. Args: DB_FILE PREFIX COUNT
 */
import { openStateDb } from "../../src/state/db.ts";
import { InstanceStore } from "../../src/state/instances.ts";
import { sample } from "./instances.ts";

const [file, prefix, countText] = process.argv.slice(2);
if (!file || !prefix || !countText) throw new Error("usage: state-writer DB PREFIX COUNT");
const store = new InstanceStore(openStateDb(file), file);
for (let i = 0; i < Number(countText); i++) {
  const r = store.save(sample(`${prefix}-${i}`));
  store.update(r.id, { providerId: `${prefix}-${i}-pid`, status: "provisioning" });
  store.updateIp(r.id, `127.0.0.${(i % 250) + 1}`);
}
store.close();
