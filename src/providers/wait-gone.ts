/**
 * After a destroy call, the provider's own word that the instance is gone: DigitalOcean and
 * Hetzner answer 404 once a delete has gone through, EC2 reports `shutting-down`/`terminated`
 * (both mapped to "not found" by the AWS provider). A 204 on DELETE alone is not proof; an
 * instance still listed after the deadline is reported, not forgotten.
 */
import type { Clock } from "../core/clock.ts";
import { isSpuffError, TimeoutError } from "../core/errors.ts";
import type { Provider, ProviderInstance } from "./types.ts";
import { waitFor } from "./wait.ts";

/** Gone for spuff: not found, or DigitalOcean's "archive" (destroyed, not yet purged). */
export const isGone = (p: ProviderInstance | undefined): boolean => p === undefined || p.status === "archive";

export async function waitGone(
  provider: Provider,
  id: string,
  o: { clock: Clock; timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  try {
    await waitFor({
      poll: () => provider.getInstance(id),
      isDone: isGone,
      clock: o.clock,
      timeoutMs: o.timeoutMs,
      signal: o.signal,
      what: `${provider.name} to report instance ${id} gone`,
      tolerateRetryable: true,
    });
  } catch (err) {
    if (!isSpuffError(err) || err.code !== "timeout") throw err;
    throw new TimeoutError(
      `${provider.name} still lists instance ${id} after the destroy call`,
      o.timeoutMs,
      {
        cause: err,
        hint: `It may still be billing. Check the provider's console (or \`spuff list --live\`), then run \`spuff down\` again; \`--force\` forgets it locally anyway.`,
        details: { provider: provider.name, provider_id: id },
      },
    );
  }
}
