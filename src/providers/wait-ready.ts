/**
 * `Provider.waitReady` for clients whose instances report status and IP on a GET: poll with the
 * shared backoff until active with a public IP; a vanished instance is a not_found error.
 */
import type { Clock } from "../core/clock.ts";
import { ProviderError } from "./errors.ts";
import type { ProviderInstance, WaitOptions } from "./types.ts";
import { waitFor } from "./wait.ts";

export interface ReadyTarget {
  provider: string;
  /** What the cloud calls an instance, for messages: "droplet", "server". */
  noun: string;
  clock: Clock;
  getInstance(id: string): Promise<ProviderInstance | undefined>;
}

export function waitUntilReady(t: ReadyTarget, id: string, w: WaitOptions): Promise<ProviderInstance> {
  return waitFor<ProviderInstance>({
    clock: t.clock,
    timeoutMs: w.timeoutMs,
    signal: w.signal,
    what: `${t.noun} ${id} to become active with a public IP`,
    poll: async () => {
      const i = await t.getInstance(id);
      if (!i) {
        const noun = t.noun.charAt(0).toUpperCase() + t.noun.slice(1);
        throw new ProviderError({
          kind: "not_found",
          provider: t.provider,
          message: `${noun} not found: "${id}"`,
        });
      }
      return i;
    },
    isDone: (i) => i.status === "active" && i.ip !== null,
    tolerateRetryable: true,
  });
}
