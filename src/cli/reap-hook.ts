/**
 * Runs after every command (main.ts). Cheap by construction: nothing happens unless the command
 * already opened the state database (so `--version`, `--help`, `config …` never open SQLite for
 * it), and then one indexed `deadline_at <= now LIMIT 1` query decides; only when an instance is
 * past its deadline is the reaper (and with it a provider client) loaded. After the command
 * rather than before it, so the reaper never changes what the command itself sees or does
 * (`spuff down NAME` of an expired instance still finds it).
 */
import type { Deps } from "./deps.ts";

export async function reapAfterCommand(deps: Deps): Promise<void> {
  const store = deps.openState();
  if (!store) return;
  try {
    if (!store.hasExpired(new Date(deps.clock.now()).toISOString())) return;
    const { reapExpired } = await import("../gc/reaper.ts");
    await reapExpired(deps, store);
  } catch (err) {
    // Never let housekeeping change the outcome of the command the user ran.
    deps.log.warn("reaper skipped", { error: err instanceof Error ? err.message : String(err) });
  }
}
