/** EC2 instances: launch (idempotent by name and client token), terminate, describe. */

import type { _InstanceType } from "@aws-sdk/client-ec2";
import { encodeUserData } from "../../cloudinit/user-data.ts";
import { ProviderError } from "../errors.ts";
import type { FirewallView } from "../firewall.ts";
import type { InstanceRequest, ProviderInstance } from "../types.ts";
import { type AwsContext, gone, PAGE } from "./context.ts";
import { awsCode, PROVIDER } from "./errors.ts";
import { clientToken, INSTANCE_TAG, instanceTags, LIVE_STATES, toInstance, unqualify } from "./map.ts";
import { toFirewallView } from "./security-group.ts";

/** Live instances carrying `tags` (all pages). */
export const liveTagged = async (
  { api }: AwsContext,
  region: string,
  tags: { Key: string; Value: string }[],
) =>
  api.all(
    region,
    "DescribeInstances",
    {
      Filters: [
        ...tags.map((t) => ({ Name: `tag:${t.Key}`, Values: [t.Value] })),
        { Name: "instance-state-name", Values: LIVE_STATES },
      ],
      MaxResults: PAGE,
    },
    (p) => (p.Reservations ?? []).flatMap((r) => r.Instances ?? []),
  );

/** Launches the instance, or returns the live one already carrying this name. */
export async function launchInstance(ctx: AwsContext, req: InstanceRequest): Promise<ProviderInstance> {
  const { api, account } = ctx;
  const region = req.region;
  // Size limits are checked before anything is created; AWS takes base64 (of gzip if large).
  const enc = encodeUserData(req.userData, "aws");
  const userData = enc.kind === "text" ? Buffer.from(enc.text, "utf8").toString("base64") : enc.base64;
  // Names are unique per account: an instance already carrying this one is the one we made.
  const [existing] = await liveTagged(ctx, region, [{ Key: INSTANCE_TAG, Value: req.name }]);
  const found = existing && toInstance(region, existing);
  if (found) return found;
  const [keyName, groupId, imageId] = await Promise.all([
    account.keyPair(region, req.sshPublicKey),
    account.sshGroup(region, req.sshAllowFrom, ctx.log),
    account.imageId(region, req.image, req.size),
  ]);
  const tags = instanceTags(req.name, req.labels);
  const res = await api.call(region, "RunInstances", {
    ImageId: imageId,
    // EC2 checks the type; the SDK only types it as its list of known names.
    InstanceType: req.size as _InstanceType,
    MinCount: 1,
    MaxCount: 1,
    KeyName: keyName,
    SecurityGroupIds: [groupId],
    UserData: userData,
    InstanceInitiatedShutdownBehavior: "terminate",
    // EC2 answers a re-sent token with the instance it already launched: retries never duplicate.
    ClientToken: clientToken({ name: req.name, region, size: req.size, imageId, userData }),
    TagSpecifications: [
      { ResourceType: "instance", Tags: tags },
      { ResourceType: "volume", Tags: tags.slice(0, 3) },
    ],
    MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" },
    // One-time and terminated on interruption: AWS taking it back ends the bill, as a poweroff does.
    ...(req.spot
      ? {
          InstanceMarketOptions: {
            MarketType: "spot",
            SpotOptions: {
              SpotInstanceType: "one-time",
              InstanceInterruptionBehavior: "terminate",
              ...(req.spot.maxPrice !== undefined ? { MaxPrice: req.spot.maxPrice } : {}),
            },
          },
        }
      : {}),
  });
  const made = res.Instances?.[0];
  const inst = made && toInstance(region, made);
  if (!inst)
    throw new ProviderError({
      kind: "api",
      provider: PROVIDER,
      message: `RunInstances returned no live instance for ${req.name} (${made?.State?.Name ?? "none"}: ${made?.StateReason?.Message ?? "no reason given"}).`,
    });
  return inst;
}

export async function terminateInstance({ api, home, log }: AwsContext, id: string): Promise<void> {
  const ref = unqualify(id, home);
  try {
    // TerminateInstances is idempotent on EC2: a re-send after a lost answer is harmless.
    await api.call(ref.region, "TerminateInstances", { InstanceIds: [ref.id] });
    log?.debug("instance terminating", { id });
  } catch (err) {
    if (!gone(awsCode(err), "InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed")) throw err;
    log?.debug("instance already gone", { id });
  }
}

/** The instance as EC2 describes it, whatever its state (undefined once EC2 has forgotten it). */
export async function describeRaw({ api, home }: AwsContext, id: string) {
  const ref = unqualify(id, home);
  try {
    const res = await api.call(ref.region, "DescribeInstances", { InstanceIds: [ref.id] });
    const i = res.Reservations?.[0]?.Instances?.[0];
    return i && { region: ref.region, instance: i };
  } catch (err) {
    if (gone(awsCode(err), "InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed")) return undefined;
    throw err;
  }
}

export async function describeInstance(ctx: AwsContext, id: string): Promise<ProviderInstance | undefined> {
  const found = await describeRaw(ctx, id);
  return found && toInstance(found.region, found.instance);
}

/** The security groups of an instance, with their inbound rules (`status --detailed`). */
export async function instanceGroups(ctx: AwsContext, id: string): Promise<FirewallView[]> {
  const found = await describeRaw(ctx, id);
  const groupIds = (found?.instance.SecurityGroups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : []));
  if (!found || groupIds.length === 0) return [];
  const res = await ctx.api.call(found.region, "DescribeSecurityGroups", { GroupIds: groupIds });
  return (res.SecurityGroups ?? []).map(toFirewallView);
}
