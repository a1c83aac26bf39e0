/** Find the instance a command is about: by name, or the only one when no name is given. */
import type { Deps } from "../cli/deps.ts";
import { NotFoundError, UsageError } from "../core/errors.ts";
import type { InstanceRecord } from "../state/types.ts";

export async function resolveInstance(deps: Deps, name: string | undefined): Promise<InstanceRecord> {
  const store = await deps.state();
  if (name) {
    const r = store.getByName(name);
    if (!r)
      throw new NotFoundError("Instance", name, { hint: "See `spuff list` for the instances spuff knows." });
    return r;
  }
  const all = store.list();
  if (all.length === 1) return all[0] as InstanceRecord;
  if (all.length === 0) {
    throw new NotFoundError("Instance", "(none)", {
      hint: "There are no instances. Create one with `spuff up`.",
    });
  }
  throw new UsageError(`${all.length} instances exist; name one: ${all.map((r) => r.name).join(", ")}`);
}
