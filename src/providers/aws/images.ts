/** AMIs as spuff snapshots: create from an instance, list, delete with their EBS snapshots. */
import { ProviderError } from "../errors.ts";
import type { Snapshot } from "../types.ts";
import { ACTION_BACKOFF, SNAPSHOT_TIMEOUT_MS, waitFor } from "../wait.ts";
import { type AwsContext, gone, PAGE } from "./context.ts";
import { awsCode, PROVIDER } from "./errors.ts";
import { backingSnapshots, SPUFF_TAG, toSnapshot, unqualify } from "./map.ts";

const describeImage = async ({ api }: AwsContext, region: string, id: string) => {
  try {
    return (await api.call(region, "DescribeImages", { ImageIds: [id] })).Images?.[0];
  } catch (err) {
    if (gone(awsCode(err), "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable")) return undefined;
    throw err;
  }
};

/** CreateImage (no reboot), then waits until the AMI is available. */
export async function createImage(ctx: AwsContext, instanceId: string, name: string): Promise<Snapshot> {
  const { api, clock, home } = ctx;
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
    poll: () => describeImage(ctx, ref.region, imageId),
    isDone: (i) => i === undefined || i.State !== "pending",
  });
  if (img?.State !== "available")
    throw new ProviderError({
      kind: "api",
      provider: PROVIDER,
      message: `Image ${imageId} (${name}) ended ${img?.State ?? "missing"}: ${img?.StateReason?.Message ?? "no reason given"}.`,
    });
  return toSnapshot(ref.region, img);
}

export async function listImages({ api, home }: AwsContext): Promise<Snapshot[]> {
  const images = await api.all(
    home,
    "DescribeImages",
    { Owners: ["self"], MaxResults: PAGE },
    (p) => p.Images ?? [],
  );
  return images.map((i) => toSnapshot(home, i));
}

/** Deregisters the AMI and deletes its EBS snapshots, also those a broken earlier run left. */
export async function deleteImage(ctx: AwsContext, id: string): Promise<void> {
  const { api, home } = ctx;
  const ref = unqualify(id, home);
  const img = await describeImage(ctx, ref.region, ref.id);
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
}
