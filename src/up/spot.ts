/**
 * Spot machines in `up`'s plan: asked for by `--spot` or the provider's `spot` config key, and
 * only where the provider has them (its catalog entry declares the key: AWS). A spot machine
 * costs a fraction of on-demand but AWS may take it back with two minutes' notice.
 */
import type { Settings } from "../config/resolve.ts";
import { UsageError } from "../core/errors.ts";
import { ENTRIES } from "../providers/catalog.ts";

export interface SpotPlan {
  /** USD/hour as decimal text; unset: AWS caps the price at on-demand. */
  maxPrice?: string;
}

export function providerHasSpot(provider: Settings["provider"]): boolean {
  return Object.hasOwn(ENTRIES[provider].configKeys ?? {}, "spot");
}

/** undefined for an on-demand machine; throws for --spot where the provider has no spot market. */
export function planSpot(settings: Settings, flag: boolean): SpotPlan | undefined {
  if (flag && !providerHasSpot(settings.provider))
    throw new UsageError(`--spot is for AWS only: ${settings.provider} has no spot machines.`, {
      hint: "Drop --spot, or use AWS: spuff up --spot --provider aws",
    });
  if (!flag && settings.spot?.default !== true) return undefined;
  return settings.spot?.maxPrice !== undefined ? { maxPrice: settings.spot.maxPrice } : {};
}
