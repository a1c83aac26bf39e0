/**
 * Hetzner's long-running work (deletes, snapshots) as actions and images to poll, kept apart from
 * the provider catalog in index.ts.
 */
import type { Clock } from "../../core/clock.ts";
import { ProviderError } from "../errors.ts";
import type { ProviderFactoryOptions } from "../registry.ts";
import type { Snapshot } from "../types.ts";
import { ACTION_BACKOFF, SNAPSHOT_TIMEOUT_MS, waitFor } from "../wait.ts";
import type { HetznerClient } from "./client.ts";
import { type HzAction, toSnapshot } from "./map.ts";

const NAME = "hetzner";

/** Deleting a server takes seconds; this bounds a stuck delete action. */
const DELETE_TIMEOUT_MS = 5 * 60_000;

export interface ActionContext {
  api: HetznerClient;
  clock: Clock;
}

/** Polls an action until it leaves `running`; an `error` action becomes a ProviderError. */
export async function finishAction(
  { api, clock }: ActionContext,
  action: HzAction,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const done =
    action.status === "running"
      ? await waitFor({
          clock,
          timeoutMs,
          what,
          backoff: ACTION_BACKOFF,
          poll: () => api.getAction(action.id),
          isDone: (a) => a.status !== "running",
        })
      : action;
  if (done.status === "error") {
    throw new ProviderError({
      kind: "api",
      provider: NAME,
      message: `Hetzner action ${action.id} (${what}) failed: ${done.error?.code}: ${done.error?.message}`,
    });
  }
}

/** Deletes a server and waits for the delete to finish. */
export async function deleteServer(
  ctx: ActionContext,
  id: string,
  log: ProviderFactoryOptions["log"],
): Promise<void> {
  const { api, clock } = ctx;
  // A powered-off server still bills: only a finished delete action ends it.
  let action: HzAction | undefined;
  try {
    action = await api.deleteServer(id);
  } catch (err) {
    // `locked`: a delete (ours, re-sent after a lost response) is already running.
    if (!(err instanceof ProviderError && err.status === 423)) throw err;
    await waitFor({
      clock,
      timeoutMs: DELETE_TIMEOUT_MS,
      what: `server ${id} to be deleted`,
      backoff: ACTION_BACKOFF,
      poll: () => api.getServer(id),
      isDone: (s) => s === undefined,
    });
    return;
  }
  if (action) await finishAction(ctx, action, `delete server ${id}`, DELETE_TIMEOUT_MS);
  log?.debug(action ? "server deleted" : "server already gone", { id });
}

/** Snapshots a server and waits until the image is available. */
export async function snapshotServer(
  ctx: ActionContext,
  instanceId: string,
  name: string,
  locations: () => Promise<string[]>,
): Promise<Snapshot> {
  const { api, clock } = ctx;
  const what = `snapshot ${JSON.stringify(name)} of server ${instanceId}`;
  const { image, action } = await api.createSnapshot(instanceId, name);
  if (action) await finishAction(ctx, action, what, SNAPSHOT_TIMEOUT_MS);
  const ready = await waitFor({
    clock,
    timeoutMs: SNAPSHOT_TIMEOUT_MS,
    what,
    backoff: ACTION_BACKOFF,
    poll: () => api.getImage(image.id),
    isDone: (i) => i === undefined || i.status !== "creating",
  });
  if (ready?.status !== "available") {
    throw new ProviderError({
      kind: "api",
      provider: NAME,
      message: `Snapshot ${JSON.stringify(name)} ended ${ready?.status ?? "deleted"} on Hetzner.`,
    });
  }
  return toSnapshot(ready, await locations());
}
