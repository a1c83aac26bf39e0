/** `spuff list`: every instance in local state. */
import type { Deps } from "../cli/deps.ts";
import { printJson } from "../core/io.ts";
import { instanceJson, instanceTable } from "./present-instance.ts";

export async function runList(deps: Deps): Promise<void> {
  const records = (await deps.state()).list();
  if (deps.json) return printJson(deps.io, records.map(instanceJson));
  if (records.length === 0) {
    deps.io.err.write("No instances. Create one with `spuff up`.\n");
    return;
  }
  deps.io.out.write(instanceTable(records, deps.clock.now()));
}
