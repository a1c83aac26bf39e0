/**
 * The AWS EC2 provider: `Provider` on the official SDK (loaded on first use, see client.ts).
 * Credentials come from the standard AWS chain, never from spuff's config; the endpoint from
 * AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL (the simulator sets them), else AWS's regional one.
 *
 * Instances are launched with InstanceInitiatedShutdownBehavior=terminate, so the on-VM agent
 * ends billing with a plain poweroff and no AWS credential on the machine.
 */

import type { _InstanceType } from "@aws-sdk/client-ec2";
import { encodeUserData } from "../../cloudinit/user-data.ts";
import { systemClock } from "../../core/clock.ts";
import { PROVIDER_DEFAULTS } from "../catalog.ts";
import { ProviderError } from "../errors.ts";
import type { ProviderFactoryOptions } from "../registry.ts";
import type { Provider, Snapshot } from "../types.ts";
import { ACTION_BACKOFF, SNAPSHOT_TIMEOUT_MS, waitFor } from "../wait.ts";
import { waitUntilReady } from "../wait-ready.ts";
import { AwsAccount } from "./account.ts";
import { AwsClient } from "./client.ts";
import { awsCode, PROVIDER } from "./errors.ts";
import {
  backingSnapshots,
  clientToken,
  INSTANCE_TAG,
  instanceTags,
  LIVE_STATES,
  SPUFF_TAG,
  toInstance,
  toSnapshot,
  unqualify,
} from "./map.ts";

/** DescribeInstances/DescribeImages page size (EC2 allows 5…1000). */
const PAGE = 200;

const gone = (code: string | undefined, ...codes: string[]) => code !== undefined && codes.includes(code);

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

  /** Live instances carrying `tags` (all pages). */
  const liveTagged = async (region: string, tags: { Key: string; Value: string }[]) =>
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

  const describeImage = async (region: string, id: string) => {
    try {
      return (await api.call(region, "DescribeImages", { ImageIds: [id] })).Images?.[0];
    } catch (err) {
      if (gone(awsCode(err), "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable")) return undefined;
      throw err;
    }
  };

  const provider: Provider = {
    name: PROVIDER,

    async createInstance(req) {
      const region = req.region;
      // Size limits are checked before anything is created; AWS takes base64 (of gzip if large).
      const enc = encodeUserData(req.userData, "aws");
      const userData = enc.kind === "text" ? Buffer.from(enc.text, "utf8").toString("base64") : enc.base64;
      // Names are unique per account: an instance already carrying this one is the one we made.
      const [existing] = await liveTagged(region, [{ Key: INSTANCE_TAG, Value: req.name }]);
      const found = existing && toInstance(region, existing);
      if (found) return found;
      const [keyName, groupId, imageId] = await Promise.all([
        account.keyPair(region, req.sshPublicKey),
        account.sshGroup(region),
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
    },

    async destroyInstance(id) {
      const ref = unqualify(id, home);
      try {
        // TerminateInstances is idempotent on EC2: a re-send after a lost answer is harmless.
        await api.call(ref.region, "TerminateInstances", { InstanceIds: [ref.id] });
        o.log?.debug("instance terminating", { id });
      } catch (err) {
        if (!gone(awsCode(err), "InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed")) throw err;
        o.log?.debug("instance already gone", { id });
      }
    },

    async getInstance(id) {
      const ref = unqualify(id, home);
      try {
        const res = await api.call(ref.region, "DescribeInstances", { InstanceIds: [ref.id] });
        const i = res.Reservations?.[0]?.Instances?.[0];
        return i && toInstance(ref.region, i);
      } catch (err) {
        if (gone(awsCode(err), "InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed")) return undefined;
        throw err;
      }
    },

    async listInstances() {
      const all = await liveTagged(home, [SPUFF_TAG]);
      return all.flatMap((i) => toInstance(home, i) ?? []);
    },

    waitReady(id, w) {
      return waitUntilReady(
        { provider: PROVIDER, noun: "instance", clock, getInstance: provider.getInstance },
        id,
        w,
      );
    },

    async createSnapshot(instanceId, name): Promise<Snapshot> {
      const ref = unqualify(instanceId, home);
      const byName = async () =>
        (
          await api.call(ref.region, "DescribeImages", {
            Owners: ["self"],
            Filters: [{ Name: "name", Values: [name] }],
          })
        ).Images?.[0];
      const tags = [{ ...SPUFF_TAG }, { Key: "Name", Value: name }];
      const res = await api.call(
        ref.region,
        "CreateImage",
        {
          InstanceId: ref.id,
          Name: name,
          Description: `spuff snapshot of ${instanceId}`,
          // No reboot: the user may be working on the machine; a crash-consistent disk is enough for a dev box.
          NoReboot: true,
          TagSpecifications: [
            { ResourceType: "image", Tags: tags },
            { ResourceType: "snapshot", Tags: tags },
          ],
        },
        {
          // CreateImage has no client token; AMI names are unique per region, so look the name up.
          idempotent: false,
          recover: async () => {
            const img = await byName();
            const ours = img?.ImageId && (img.SourceInstanceId ?? ref.id) === ref.id;
            return ours ? { ImageId: img.ImageId, $metadata: {} } : undefined;
          },
        },
      );
      const imageId = res.ImageId ?? "";
      const img = await waitFor({
        clock,
        timeoutMs: SNAPSHOT_TIMEOUT_MS,
        what: `image ${JSON.stringify(name)} of ${instanceId} to become available`,
        backoff: ACTION_BACKOFF,
        poll: () => describeImage(ref.region, imageId),
        isDone: (i) => i === undefined || i.State !== "pending",
      });
      if (img?.State !== "available")
        throw new ProviderError({
          kind: "api",
          provider: PROVIDER,
          message: `Image ${imageId} (${name}) ended ${img?.State ?? "missing"}: ${img?.StateReason?.Message ?? "no reason given"}.`,
        });
      return toSnapshot(ref.region, img);
    },

    async listSnapshots() {
      const images = await api.all(
        home,
        "DescribeImages",
        { Owners: ["self"], MaxResults: PAGE },
        (p) => p.Images ?? [],
      );
      return images.map((i) => toSnapshot(home, i));
    },

    async deleteSnapshot(id) {
      const ref = unqualify(id, home);
      const img = await describeImage(ref.region, ref.id);
      const snaps = new Set(img ? backingSnapshots(img) : []);
      if (img) {
        try {
          await api.call(ref.region, "DeregisterImage", { ImageId: ref.id });
        } catch (err) {
          if (!gone(awsCode(err), "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable")) throw err;
        }
      }
      // A run interrupted after deregistering left its EBS snapshots billing: find them by the
      // description EC2 gives snapshots it makes for CreateImage ("… for ami-…").
      const leftovers = await api.all(
        ref.region,
        "DescribeSnapshots",
        {
          OwnerIds: ["self"],
          Filters: [{ Name: "description", Values: [`*for ${ref.id}*`] }],
          MaxResults: PAGE,
        },
        (p) => p.Snapshots ?? [],
      );
      for (const s of leftovers) if (s.SnapshotId) snaps.add(s.SnapshotId);
      for (const snapshotId of snaps) {
        try {
          await api.call(ref.region, "DeleteSnapshot", { SnapshotId: snapshotId });
        } catch (err) {
          if (!gone(awsCode(err), "InvalidSnapshot.NotFound")) throw err;
        }
      }
    },
  };
  return provider;
}
