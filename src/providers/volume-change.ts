/**
 * The one shape of a volume change (attach, detach, resize) on DigitalOcean and Hetzner: read the
 * volume; unless it is already as asked, POST the action, a lost response recovered by reading the
 * volume again (already as asked: the action went through, so it is not sent twice); then poll the
 * volume itself (ACTION_BACKOFF) until it reports the change, so "detached" is what the API says
 * afterwards, not only the action's status. Each provider passes its own read and action path.
 */
import type { Clock } from "../core/clock.ts";
import type { HttpClient } from "./http.ts";
import type { WaitOptions } from "./types.ts";
import { ACTION_BACKOFF, waitFor } from "./wait.ts";

export interface VolumeApi<V> {
  http: HttpClient;
  clock: Clock;
  /** The volume as the API reports it now; a missing one is a not_found ProviderError. */
  read(id: string): Promise<V>;
}

export interface VolumeChange<V> {
  id: string;
  /** The action's endpoint and body (none sent when undefined). */
  path: string;
  body?: object;
  /** Whether the volume is as the change asks. */
  done(v: V): boolean;
  /** What is waited for, for the TimeoutError: "volume 7 detached". */
  what: string;
}

/** The volume once it reports the change; TimeoutError after `w.timeoutMs`. */
export async function changeVolume<V>(api: VolumeApi<V>, c: VolumeChange<V>, w: WaitOptions): Promise<V> {
  if (!c.done(await api.read(c.id)))
    await api.http.request("POST", c.path, {
      body: c.body,
      idempotent: false,
      recover: async () => (c.done(await api.read(c.id)) ? { action: undefined } : undefined),
    });
  return waitFor({
    clock: api.clock,
    timeoutMs: w.timeoutMs,
    signal: w.signal,
    what: c.what,
    backoff: ACTION_BACKOFF,
    tolerateRetryable: true,
    poll: () => api.read(c.id),
    isDone: c.done,
  });
}
