/**
 * `up` and prebuilds: before anything is created, the provider's snapshots are searched for the
 * prebuild of exactly this environment (its key's name, prebuild/key.ts). A match → the plan boots
 * it (a new host key, labels naming it) and the environment marks what it holds as cached; none →
 * one line saying so, with the command that makes one, and `up` runs as it would without.
 */
import type { Deps } from "../cli/deps.ts";
import { matchPrebuild } from "../prebuild/catalog.ts";
import { PREBUILD_LABEL } from "../prebuild/key.ts";
import type { Provider } from "../providers/types.ts";
import { type CommandPlan, prebuildKeyOf, replan, type UpCommandOptions } from "./up-plan.ts";

export async function withPrebuild(
  deps: Deps,
  provider: Provider,
  planned: CommandPlan,
  opts: Pick<UpCommandOptions, "image" | "snapshot">,
): Promise<CommandPlan> {
  // An image or snapshot the user named wins: nothing to look for.
  if (opts.image || opts.snapshot) return planned;
  const key = prebuildKeyOf(planned);
  if (!key) return planned;
  let found: Awaited<ReturnType<typeof matchPrebuild>>;
  try {
    found = matchPrebuild(await provider.listSnapshots(), key.name);
  } catch (err) {
    deps.io.err.write(
      `Could not look for a prebuild (${err instanceof Error ? err.message : String(err)}); installing from scratch.\n`,
    );
    return planned;
  }
  // A snapshot lives in regions: one elsewhere cannot boot here (DigitalOcean, AWS).
  const region = planned.plan.region;
  if (!found || (found.regions.length > 0 && !found.regions.includes(region))) {
    const where = found ? ` in ${region}` : "";
    deps.io.err.write(
      `No prebuild of this environment${where} (${key.name}); installing from scratch. Make one with: spuff prebuild${planned.settings.providerExplicit ? ` --provider ${provider.name}` : ""}\n`,
    );
    return planned;
  }
  const again = replan(deps, planned, { snapshot: found.id });
  again.plan.labels[PREBUILD_LABEL] = found.name;
  deps.io.err.write(`Booting prebuild ${found.name} (${found.id})\n`);
  return { ...again, environment: { ...again.environment, prebuild: { id: found.id, name: found.name } } };
}
