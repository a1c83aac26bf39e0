/**
 * Wires the spot watcher to the machine: IMDS from agent.json (metadata_base_url, else AWS's
 * address), `wall` for the warning, and the pre_down script `up` left in the dev user's config
 * folder, run as that user through the agent's exec (its own scope, killed at the timeout).
 */
import { promises as fsp } from "node:fs";
import { preDownScriptPath } from "../bundles/layout.ts";
import type { Clock } from "../core/clock.ts";
import type { AgentSettings } from "./config.ts";
import { type ExecFn, lookupUser } from "./exec.ts";
import { createSpotWatcher, DEFAULT_IMDS_URL, type SpotWatcher } from "./spot-watch.ts";

export interface SpotSetup {
  settings: AgentSettings;
  clock: Clock;
  exec: ExecFn;
  devUser: string | undefined;
  warn(message: string): Promise<void>;
  logError(err: unknown): void;
}

/** A watcher on AWS spot machines; undefined elsewhere. Throws on a metadata URL it may not use. */
export function spotWatcherFor(o: SpotSetup): SpotWatcher | undefined {
  if (o.settings.provider !== "aws" || o.settings.spot !== true) return undefined;
  const user = o.devUser ? lookupUser(o.devUser) : undefined;
  return createSpotWatcher({
    baseUrl: o.settings.metadata_base_url ?? DEFAULT_IMDS_URL,
    clock: o.clock,
    fetch,
    warn: o.warn,
    logError: o.logError,
    async runPreDown(timeoutMs) {
      if (!user) return undefined;
      const script = preDownScriptPath(user.home);
      // Only whether it is there: the agent (root) never reads or follows what the user owns.
      const present = await fsp.lstat(script).then(
        (s) => s.isFile(),
        () => false,
      );
      if (!present) return undefined;
      // exec runs as the dev user with HOME set to `user.home`: the same file, no quoting needed.
      const r = await o.exec(`exec bash "${preDownScriptPath("$HOME")}"`, timeoutMs);
      return { exit_code: r.exit_code, timed_out: r.timed_out };
    },
  });
}
