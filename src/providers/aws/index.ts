/**
 * The AWS EC2 provider: `Provider` on the official SDK (loaded on first use, see client.ts).
 * Credentials come from the standard AWS chain, never from spuff's config; the endpoint from
 * AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL (the simulator sets them), else AWS's regional one.
 *
 * Instances are launched with InstanceInitiatedShutdownBehavior=terminate, so the on-VM agent
 * ends billing with a plain poweroff and no AWS credential on the machine.
 */

import { systemClock } from "../../core/clock.ts";
import { visibleLine as printable } from "../../core/visible.ts";
import { PROVIDER_DEFAULTS } from "../catalog.ts";
import type { ProviderFactoryOptions } from "../registry.ts";
import type { Provider } from "../types.ts";
import { waitUntilReady } from "../wait-ready.ts";
import { AwsAccount } from "./account.ts";
import { AwsClient } from "./client.ts";
import type { AwsContext } from "./context.ts";
import { PROVIDER } from "./errors.ts";
import { createImage, deleteImage, listImages } from "./images.ts";
import {
  describeInstance,
  instanceGroups,
  launchInstance,
  liveTagged,
  terminateInstance,
} from "./instances.ts";
import { SPUFF_TAG, toInstance } from "./map.ts";
import { endReason, spotPrice } from "./spot.ts";
import { awsVolumes } from "./volumes.ts";

/** The access key by its last four characters (as `aws configure list` shows it), or the profile. */
function credentialName(accessKeyId: string | undefined, profile: string | undefined): string {
  if (accessKeyId) return `AWS access key ****${printable(accessKeyId.slice(-4), 4)}`;
  if (profile) return `AWS profile ${printable(profile, 60)}`;
  return "the AWS default credential chain";
}

export function createAwsProvider(o: ProviderFactoryOptions): Provider {
  const env = o.env;
  const clock = o.clock ?? systemClock;
  const home = o.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? PROVIDER_DEFAULTS.aws.region;
  // The chain's first link (environment keys) is read from the env spuff was handed, which is
  // process.env in production and the simulator's in tests; the rest (profile, SSO, roles) is the SDK's.
  const keys =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  const api = new AwsClient({
    endpoint: o.baseUrl ?? env.AWS_ENDPOINT_URL_EC2 ?? env.AWS_ENDPOINT_URL,
    credentials: keys,
    profile: keys ? undefined : (env.AWS_PROFILE ?? o.profile),
    clock,
    log: o.log,
    timeoutMs: o.timeoutMs,
    retry: o.retry,
  });
  const account = new AwsAccount(api);

  const ctx: AwsContext = { api, account, clock, home, log: o.log };

  const provider: Provider = {
    name: PROVIDER,
    async checkAccount() {
      // DescribeRegions needs no resource and every EC2 user may call it; the account id is
      // not in its answer (that takes STS, another SDK package), so name the credential instead.
      const out = await api.call(home, "DescribeRegions", {});
      const regions = (out.Regions ?? []).map((r) => printable(r.RegionName, 40));
      const enabled = regions.includes(home) ? `${home} among them` : `${home} NOT among them`;
      return {
        account: credentialName(keys?.accessKeyId, keys ? undefined : (env.AWS_PROFILE ?? o.profile)),
        evidence: `DescribeRegions: ${regions.length} regions enabled (${enabled})`,
      };
    },

    createInstance: (req) => launchInstance(ctx, req),
    firewalls: (id) => instanceGroups(ctx, id),
    destroyInstance: (id) => terminateInstance(ctx, id),
    getInstance: (id) => describeInstance(ctx, id),
    volumes: awsVolumes(ctx),

    async listInstances() {
      const all = await liveTagged(ctx, home, [SPUFF_TAG]);
      return all.flatMap((i) => toInstance(home, i) ?? []);
    },

    waitReady(id, w) {
      return waitUntilReady(
        { provider: PROVIDER, noun: "instance", clock, getInstance: provider.getInstance },
        id,
        w,
      );
    },

    createSnapshot: (instanceId, name) => createImage(ctx, instanceId, name),
    listSnapshots: () => listImages(ctx),
    deleteSnapshot: (id) => deleteImage(ctx, id),

    spotPrice: (region, size) => spotPrice(ctx, region, size),
    endReason: (id) => endReason(ctx, id),
  };
  return provider;
}
