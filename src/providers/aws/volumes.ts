/**
 * EBS as spuff's VolumeOps: gp3 volumes in the instance's availability zone (found through
 * DescribeInstances), tagged spuff=true and spuff-volume=<name>, attached as /dev/sdf with
 * DeleteOnTermination false (EC2's default for an attached volume), so terminating the instance
 * detaches and keeps it. Nitro instances show it as an NVMe disk whose serial is the volume id:
 * /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol<hex>. Growing needs ModifyVolume, which
 * spuff does not call yet: resize is refused with a clear error on AWS.
 */
import type { Volume as Ebs } from "@aws-sdk/client-ec2";
import { UserError } from "../../core/errors.ts";
import type { Volume, VolumeOps, VolumeRequest, WaitOptions } from "../types.ts";
import { ACTION_BACKOFF, waitFor } from "../wait.ts";
import type { AwsContext } from "./context.ts";
import { gone } from "./context.ts";
import { awsCode } from "./errors.ts";
import { qualify, SPUFF_TAG, unqualify } from "./map.ts";

const VOLUME_TAG = "spuff-volume";
const DEVICE = "/dev/sdf";
const MAX_PAGES = 100;

const toVolume = (region: string, v: Ebs): Volume => ({
  id: qualify(region, v.VolumeId ?? ""),
  name: v.Tags?.find((t) => t.Key === VOLUME_TAG)?.Value ?? "",
  sizeGb: v.Size ?? 0,
  region: v.AvailabilityZone ?? region,
  attachedTo: (v.Attachments ?? [])
    .filter((a) => a.State === "attached" || a.State === "attaching" || a.State === "detaching")
    .map((a) => qualify(region, a.InstanceId ?? "")),
  createdAt: v.CreateTime ? new Date(v.CreateTime).toISOString() : "",
  devicePath: `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${(v.VolumeId ?? "").replace("-", "")}`,
});

export function awsVolumes(ctx: AwsContext): VolumeOps {
  const { api, home, clock } = ctx;
  const describe = async (region: string, filters: { Name: string; Values: string[] }[]) => {
    const out: Ebs[] = [];
    let token: string | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const res = await api.call(region, "DescribeVolumes", {
        Filters: filters,
        MaxResults: 200,
        ...(token ? { NextToken: token } : {}),
      });
      out.push(...(res.Volumes ?? []));
      token = res.NextToken;
      if (!token) break;
    }
    return out;
  };
  const spuffs = [{ Name: `tag:${SPUFF_TAG.Key}`, Values: [SPUFF_TAG.Value] }];
  const get = async (id: string): Promise<Volume> => {
    const ref = unqualify(id, home);
    const res = await api.call(ref.region, "DescribeVolumes", { VolumeIds: [ref.id] });
    const v = res.Volumes?.[0];
    if (!v) throw new UserError("volume_missing", `Volume ${id} is gone.`);
    return toVolume(ref.region, v);
  };
  const until = (id: string, what: string, done: (v: Volume) => boolean, w: WaitOptions) =>
    waitFor({
      clock,
      timeoutMs: w.timeoutMs,
      signal: w.signal,
      what,
      backoff: ACTION_BACKOFF,
      tolerateRetryable: true,
      poll: () => get(id),
      isDone: done,
    });
  /** Attached means EC2 says "attached", not "attaching": the guest has the device then. */
  const attachedTo = async (id: string, instanceId: string) => {
    const ref = unqualify(id, home);
    const res = await api.call(ref.region, "DescribeVolumes", { VolumeIds: [ref.id] });
    const inst = unqualify(instanceId, home).id;
    return (res.Volumes?.[0]?.Attachments ?? []).some((a) => a.InstanceId === inst && a.State === "attached");
  };

  return {
    async listVolumes() {
      return (await describe(home, spuffs)).map((v) => toVolume(home, v));
    },
    async findVolume(name) {
      const [v] = await describe(home, [...spuffs, { Name: `tag:${VOLUME_TAG}`, Values: [name] }]);
      return v && toVolume(home, v);
    },
    createVolume: (req) => createEbs(ctx, req),
    async attachVolume(volumeId, instanceId, w) {
      const vol = unqualify(volumeId, home);
      const inst = unqualify(instanceId, home);
      if (!(await attachedTo(volumeId, instanceId)) && (await get(volumeId)).attachedTo.length === 0)
        await api.call(
          vol.region,
          "AttachVolume",
          { VolumeId: vol.id, InstanceId: inst.id, Device: DEVICE },
          {
            idempotent: false,
            recover: async () =>
              (await get(volumeId)).attachedTo.includes(instanceId) ? { $metadata: {} } : undefined,
          },
        );
      await waitFor({
        clock,
        timeoutMs: w.timeoutMs,
        signal: w.signal,
        what: `volume ${volumeId} attached`,
        backoff: ACTION_BACKOFF,
        tolerateRetryable: true,
        poll: () => attachedTo(volumeId, instanceId),
        isDone: (x) => x,
      });
      return get(volumeId);
    },
    async detachVolume(volumeId, instanceId, w) {
      const vol = unqualify(volumeId, home);
      const done = (v: Volume) => !v.attachedTo.includes(instanceId);
      if (!done(await get(volumeId))) {
        try {
          await api.call(vol.region, "DetachVolume", {
            VolumeId: vol.id,
            InstanceId: unqualify(instanceId, home).id,
          });
        } catch (err) {
          if (!gone(awsCode(err), "IncorrectState")) throw err;
        }
      }
      return until(volumeId, `volume ${volumeId} detached`, done, w);
    },
    async resizeVolume() {
      throw new UserError(
        "volume_resize_unsupported",
        "Growing an EBS volume is not supported by spuff yet.",
        {
          hint: "Grow it with `aws ec2 modify-volume --volume-id ID --size GB`; the filesystem grows at the next `spuff up --volume`.",
        },
      );
    },
    async deleteVolume(volumeId) {
      const vol = unqualify(volumeId, home);
      try {
        await api.call(vol.region, "DeleteVolume", { VolumeId: vol.id });
      } catch (err) {
        if (!gone(awsCode(err), "InvalidVolume.NotFound")) throw err;
      }
    },
  };
}

/** CreateVolume in the instance's availability zone (DescribeInstances); without one, the region's first. */
async function createEbs({ api, home }: AwsContext, req: VolumeRequest): Promise<Volume> {
  let region = req.region;
  let az = /\d[a-z]$/.test(req.region) ? req.region : `${req.region}a`;
  if (/\d[a-z]$/.test(req.region)) region = req.region.slice(0, -1);
  if (req.instanceId) {
    const ref = unqualify(req.instanceId, home);
    const res = await api.call(ref.region, "DescribeInstances", { InstanceIds: [ref.id] });
    az = res.Reservations?.[0]?.Instances?.[0]?.Placement?.AvailabilityZone ?? az;
    region = ref.region;
  }
  const v = await api.call(region, "CreateVolume", {
    AvailabilityZone: az,
    Size: req.sizeGb,
    VolumeType: "gp3",
    // EC2 deduplicates by ClientToken: a re-send after a lost answer returns the same volume.
    ClientToken: `spuff-volume-${req.name}-${az}`,
    TagSpecifications: [
      {
        ResourceType: "volume",
        Tags: [{ ...SPUFF_TAG }, { Key: VOLUME_TAG, Value: req.name }, { Key: "Name", Value: req.name }],
      },
    ],
  });
  return toVolume(region, v);
}
