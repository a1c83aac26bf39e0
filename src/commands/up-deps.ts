/**
 * The effects `applyUp` (up/apply.ts) runs with, built one way for every command that takes a
 * machine through the up phases (`up`, `prebuild`): the CLI's clock, paths, SSH, the progress
 * renderer, the interrupt trap's signal, and the logger masking every secret made on the way.
 */
import type { Deps } from "../cli/deps.ts";
import type { Settings } from "../config/resolve.ts";
import type { Provider } from "../providers/types.ts";
import type { Connection } from "../ssh/connection.ts";
import type { InstanceStore } from "../state/instances.ts";
import type { UpDeps } from "../up/apply.ts";
import { sshOps } from "../up/ssh-ops.ts";
import type { UpProgress } from "./up-progress.ts";

export interface ApplyParts {
  provider: Provider;
  store: InstanceStore;
  progress: UpProgress;
  /** The interrupt trap's signal (up/interrupt.ts). */
  signal: AbortSignal;
}

export function applyDepsFor(deps: Deps, settings: Settings, parts: ApplyParts): UpDeps<Connection> {
  const { provider, store, progress, signal } = parts;
  return {
    provider,
    store,
    clock: deps.clock,
    paths: deps.paths,
    ssh: sshOps(settings, deps.clock, deps.env.SSH_AUTH_SOCK),
    onEvent: (e) => progress.onEvent(e),
    signal,
    onSecret: (v) => deps.log.addSecret(v),
  };
}
