/**
 * EBS volumes in the EC2 simulator: CreateVolume (gp3, ClientToken idempotency), DescribeVolumes
 * (ids, filters, paging), AttachVolume, DetachVolume, DeleteVolume. Attach/detach settle on the
 * timeline ("attaching" → "attached", "detaching" → gone); a terminated instance's volumes are
 * detached (spuff never sets DeleteOnTermination). Kept beside the state, keyed by it, so the
 * shared state file stays untouched. With volume devices the guest sees
 * /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_<id without dash>, as on Nitro instances.
 */
import { randomBytes } from "node:crypto";
import { tagFields } from "./filters.ts";
import {
  fail,
  filterPage,
  type Input,
  nextToken,
  type Op,
  type OpContext,
  strings,
  tagsFor,
} from "./ops-common.ts";
import type { AwsState } from "./state.ts";

interface Tag {
  Key: string;
  Value: string;
}

interface SimEbs {
  id: string;
  region: string;
  az: string;
  size: number;
  tags: Tag[];
  createdAt: number;
  clientToken?: string;
  attachment?: { instanceId: string; device: string; at: number; detachingAt?: number };
}

const VOLS = new WeakMap<AwsState, Map<string, SimEbs>>();
const vols = (st: AwsState) => {
  const m = VOLS.get(st) ?? new Map<string, SimEbs>();
  VOLS.set(st, m);
  return m;
};
const VOL_ID = /^vol-[0-9a-f]{8,17}$/;
const FILTERS = ["volume-id", "status", "availability-zone", "attachment.instance-id", "size"];

/** The simulated volumes and how many instances each is attached to (tests read it). */
export const simVolumes = (st: AwsState) =>
  [...vols(st).values()].map((v) => ({ id: v.id, attached: attachmentOf(st, v) ? 1 : 0 }));

export const ebsDevice = (volumeId: string) => `nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;

/** The attachment as EC2 reports it now: settles on the timeline, ends with its instance. */
function attachmentOf(st: AwsState, v: SimEbs) {
  const a = v.attachment;
  if (!a) return undefined;
  const inst = st.instances.get(a.instanceId);
  const ended =
    !inst || st.instanceState(inst) === "terminated" || st.instanceState(inst) === "shutting-down";
  if (ended || (a.detachingAt !== undefined && st.timeline.actionDone(a.detachingAt))) {
    v.attachment = undefined;
    return undefined;
  }
  const state =
    a.detachingAt !== undefined ? "detaching" : st.timeline.actionDone(a.at) ? "attached" : "attaching";
  return { ...a, state };
}

function volumeOut(st: AwsState, v: SimEbs) {
  const a = attachmentOf(st, v);
  return {
    VolumeId: v.id,
    Size: v.size,
    AvailabilityZone: v.az,
    State: a ? "in-use" : "available",
    CreateTime: new Date(v.createdAt),
    Attachments: a
      ? [
          {
            AttachTime: new Date(a.at),
            Device: a.device,
            InstanceId: a.instanceId,
            State: a.state,
            VolumeId: v.id,
            DeleteOnTermination: false,
          },
        ]
      : [],
    Encrypted: false,
    VolumeType: "gp3",
    Iops: 3000,
    Throughput: 125,
    MultiAttachEnabled: false,
    Tags: v.tags.map((t) => ({ ...t })),
  };
}

function find(ctx: OpContext, id: string): SimEbs {
  if (!VOL_ID.test(id)) fail("InvalidParameterValue", `Invalid id: "${id}"`);
  const v = vols(ctx.st).get(id);
  if (!v || v.region !== ctx.region) fail("InvalidVolume.NotFound", `The volume '${id}' does not exist.`);
  return v;
}

function createVolume(ctx: OpContext, input: Input) {
  const token = input.ClientToken === undefined ? undefined : String(input.ClientToken);
  const same = token ? [...vols(ctx.st).values()].find((v) => v.clientToken === token) : undefined;
  if (same) return volumeOut(ctx.st, same);
  const az = String(input.AvailabilityZone ?? "");
  if (!az.startsWith(ctx.region) || !/^[a-z]$/.test(az.slice(ctx.region.length)))
    fail("InvalidParameterValue", `Invalid availability zone: [${az}]`);
  if ((input.VolumeType ?? "gp3") !== "gp3")
    fail("InvalidParameterValue", "The simulator only has gp3 volumes.");
  const size = Number(input.Size);
  if (!Number.isInteger(size) || size < 1 || size > 16384)
    fail("InvalidParameterValue", "Volume of size %d is invalid; gp3 volumes are 1-16384 GiB.");
  const v: SimEbs = {
    id: `vol-${randomBytes(9).toString("hex").slice(0, 17)}`,
    region: ctx.region,
    az,
    size,
    tags: tagsFor(input, "volume", ["volume"]),
    createdAt: ctx.st.timeline.now(),
    ...(token ? { clientToken: token } : {}),
  };
  vols(ctx.st).set(v.id, v);
  return volumeOut(ctx.st, v);
}

function describeVolumes(ctx: OpContext, input: Input) {
  const ids = strings(input.VolumeIds);
  let pool = [...vols(ctx.st).values()].filter((v) => v.region === ctx.region);
  if (ids.length > 0) pool = ids.map((id) => find(ctx, id));
  const fields = (v: SimEbs) => {
    const out = volumeOut(ctx.st, v);
    return {
      ...tagFields(v.tags),
      "volume-id": [v.id],
      status: [out.State],
      "availability-zone": [v.az],
      "attachment.instance-id": out.Attachments.map((a) => a.InstanceId),
      size: [String(v.size)],
    };
  };
  const p = filterPage(pool, input, "DescribeVolumes", fields, FILTERS);
  return { Volumes: p.items.map((v) => volumeOut(ctx.st, v)), ...nextToken(p) };
}

async function attachVolume(ctx: OpContext, input: Input) {
  const v = find(ctx, String(input.VolumeId));
  const instanceId = String(input.InstanceId);
  const inst = ctx.st.instances.get(instanceId);
  if (!inst || inst.region !== ctx.region || ctx.st.instanceState(inst) !== "running")
    fail("IncorrectState", `Instance '${instanceId}' is not 'running'.`);
  if (`${inst.region}a` !== v.az)
    fail(
      "InvalidVolume.ZoneMismatch",
      `The volume '${v.id}' is not in the same availability zone as instance '${instanceId}'`,
    );
  if (attachmentOf(ctx.st, v)) fail("VolumeInUse", `vol ${v.id} is already attached to an instance`);
  const device = String(input.Device);
  await ctx.st.backend.attachVolume?.(instanceId, { id: v.id, sizeGb: v.size, byId: ebsDevice(v.id) });
  v.attachment = { instanceId, device, at: ctx.st.timeline.now() };
  const a = volumeOut(ctx.st, v).Attachments[0];
  return { ...a, AttachTime: new Date(v.attachment.at) };
}

async function detachVolume(ctx: OpContext, input: Input) {
  const v = find(ctx, String(input.VolumeId));
  const a = attachmentOf(ctx.st, v);
  if (!a || (input.InstanceId !== undefined && a.instanceId !== input.InstanceId))
    fail("IncorrectState", `Volume '${v.id}' is in the 'available' state.`);
  await ctx.st.backend.detachVolume?.(a.instanceId, v.id);
  if (v.attachment) v.attachment.detachingAt = ctx.st.timeline.now();
  return {
    AttachTime: new Date(a.at),
    Device: a.device,
    InstanceId: a.instanceId,
    State: "detaching",
    VolumeId: v.id,
    DeleteOnTermination: false,
  };
}

async function deleteVolume(ctx: OpContext, input: Input) {
  const v = find(ctx, String(input.VolumeId));
  if (attachmentOf(ctx.st, v))
    fail("VolumeInUse", `Volume ${v.id} is currently attached to ${v.attachment?.instanceId}`);
  vols(ctx.st).delete(v.id);
  await ctx.st.backend.deleteVolume?.(v.id);
  return {};
}

export const volumeOps: Record<string, Op> = {
  CreateVolume: createVolume,
  DescribeVolumes: describeVolumes,
  AttachVolume: attachVolume,
  DetachVolume: detachVolume,
  DeleteVolume: deleteVolume,
};
