/**
 * CreateImage, DescribeImages, DeregisterImage, DescribeSnapshots, DeleteSnapshot. An image is
 * backed by an EBS snapshot that outlives its deregistration until deleted on its own, and
 * cannot be deleted while an image still uses it: spuff's cleanup has to get the order right.
 */
import { dropDiskImage, snapshotDisk } from "../backend.ts";
import { ACCOUNT_ID } from "./catalog.ts";
import {
  fail,
  filterPage,
  type Input,
  nextToken,
  type Op,
  type OpContext,
  opt,
  refuseIdsWithPaging,
  strings,
  tagsFor,
} from "./ops-common.ts";
import {
  IMAGE_FILTERS,
  imageFields,
  imageOut,
  SNAPSHOT_FILTERS,
  snapshotFields,
  snapshotOut,
} from "./shapes.ts";
import type { SimImage, SimSnapshot } from "./state.ts";

const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
const SNAP_ID = /^snap-[0-9a-f]{8,17}$/;
// EC2's AMI name rule: 3-128 of letters, digits, ( ) [ ] space . / - ' @ _
const AMI_NAME = /^[A-Za-z0-9()[\] ./\-'@_]{3,128}$/;

export const imageOps: Record<string, Op> = {
  CreateImage: createImage,
  DescribeImages: describeImages,
  DeregisterImage: deregisterImage,
  DescribeSnapshots: describeSnapshots,
  DeleteSnapshot: deleteSnapshot,
};

async function createImage(ctx: OpContext, input: Input) {
  const { st, region } = ctx;
  const instanceId = String(input.InstanceId);
  const inst = st.instances.get(instanceId);
  if (!inst || inst.region !== region)
    fail("InvalidInstanceID.NotFound", `The instance ID '${instanceId}' does not exist`);
  const state = st.instanceState(inst);
  if (state !== "running" && state !== "stopped")
    fail(
      "IncorrectInstanceState",
      `The instance '${instanceId}' is not in a state from which it can be imaged (${state}).`,
    );
  const name = String(input.Name);
  if (!AMI_NAME.test(name))
    fail("InvalidAMIName.Malformed", `AMI names must be 3-128 characters of [A-Za-z0-9()[] ./-'@_]: ${name}`);
  const dup = ownImages(ctx).find((i) => i.name === name);
  if (dup) fail("InvalidAMIName.Duplicate", `AMI name ${name} is already in use by AMI ${dup.id}`);
  const imageTags = tagsFor(input, "image", ["image", "snapshot"]);
  const snapTags = tagsFor(input, "snapshot", ["image", "snapshot"]);
  // With a machine backend the disk is saved before the AMI exists, so no instance can launch
  // from it without its disk (it still turns available on the timeline).
  const backendImage = await snapshotDisk(st.backend, instanceId);
  const now = st.timeline.now();
  const imageId = st.newId("ami");
  const snap: SimSnapshot = {
    id: st.newId("snap"),
    region,
    volumeId: `vol-${instanceId.slice(2)}`,
    sizeGb: inst.rootVolumeGb,
    description: `Created by CreateImage(${instanceId}) for ${imageId}`,
    startedAt: now,
    tags: snapTags,
  };
  st.snapshots.set(snap.id, snap);
  st.images.set(imageId, {
    id: imageId,
    region,
    name,
    description: opt(input.Description) ?? "",
    ownerId: ACCOUNT_ID,
    public: false,
    arch: inst.arch,
    createdAt: now,
    readyAt: now + st.timeline.actionAfterMs,
    snapshotIds: [snap.id],
    rootVolumeGb: inst.rootVolumeGb,
    sourceInstanceId: instanceId,
    tags: imageTags,
    ...(backendImage ? { backendImage } : {}),
  });
  return { ImageId: imageId };
}

function ownImages({ st, region }: OpContext): SimImage[] {
  return [...st.images.values()].filter((i) => i.region === region && i.ownerId === ACCOUNT_ID);
}

function describeImages(ctx: OpContext, input: Input) {
  const ids = strings(input.ImageIds);
  refuseIdsWithPaging(ids, input, "ImageIds");
  let pool = [...ctx.st.images.values()].filter(
    (i) => i.region === ctx.region && (i.public || i.ownerId === ACCOUNT_ID),
  );
  if (ids.length > 0) {
    for (const id of ids) if (!AMI_ID.test(id)) fail("InvalidAMIID.Malformed", `Invalid id: "${id}"`);
    const missing = ids.filter((id) => !pool.some((i) => i.id === id));
    if (missing.length > 0)
      fail("InvalidAMIID.NotFound", `The image ids '[${missing.join(", ")}]' do not exist`);
    pool = pool.filter((i) => ids.includes(i.id));
  }
  const owners = strings(input.Owners);
  if (owners.length > 0) {
    pool = pool.filter((i) =>
      owners.some((o) => (o === "self" ? i.ownerId === ACCOUNT_ID : o === i.ownerId || o === i.ownerAlias)),
    );
  }
  const p = filterPage(pool, input, "DescribeImages", (i) => imageFields(ctx.st, i), IMAGE_FILTERS);
  return { Images: p.items.map((i) => imageOut(ctx.st, i)), ...nextToken(p) };
}

async function deregisterImage(ctx: OpContext, input: Input) {
  const id = String(input.ImageId);
  if (!AMI_ID.test(id)) fail("InvalidAMIID.Malformed", `Invalid id: "${id}"`);
  const img = ownImages(ctx).find((i) => i.id === id);
  if (!img) fail("InvalidAMIID.NotFound", `The image id '[${id}]' does not exist`);
  ctx.st.images.delete(id);
  // The simulator keeps the disk with the AMI, not its EBS snapshot: deregistering frees it.
  await dropDiskImage(ctx.st.backend, img.backendImage);
  if (input.DeleteAssociatedSnapshots === true) {
    for (const s of img.snapshotIds) ctx.st.snapshots.delete(s);
    return {
      Return: true,
      DeleteSnapshotResults: img.snapshotIds.map((s) => ({ SnapshotId: s, ReturnCode: "success" })),
    };
  }
  return { Return: true };
}

function snapshotsIn({ st, region }: OpContext): SimSnapshot[] {
  return [...st.snapshots.values()].filter((s) => s.region === region);
}

function describeSnapshots(ctx: OpContext, input: Input) {
  const ids = strings(input.SnapshotIds);
  let pool = snapshotsIn(ctx);
  if (ids.length > 0) {
    for (const id of ids) if (!SNAP_ID.test(id)) fail("InvalidSnapshotID.Malformed", `Invalid id: "${id}"`);
    const missing = ids.find((id) => !pool.some((s) => s.id === id));
    if (missing) fail("InvalidSnapshot.NotFound", `The snapshot '${missing}' does not exist.`);
    pool = pool.filter((s) => ids.includes(s.id));
  }
  const owners = strings(input.OwnerIds);
  if (owners.length > 0 && !owners.some((o) => o === "self" || o === ACCOUNT_ID)) pool = [];
  const p = filterPage(pool, input, "DescribeSnapshots", (s) => snapshotFields(ctx.st, s), SNAPSHOT_FILTERS);
  return { Snapshots: p.items.map((s) => snapshotOut(ctx.st, s)), ...nextToken(p) };
}

function deleteSnapshot(ctx: OpContext, input: Input): undefined {
  const id = String(input.SnapshotId);
  if (!SNAP_ID.test(id)) fail("InvalidSnapshotID.Malformed", `Invalid id: "${id}"`);
  if (!snapshotsIn(ctx).some((s) => s.id === id))
    fail("InvalidSnapshot.NotFound", `The snapshot '${id}' does not exist.`);
  const user = [...ctx.st.images.values()].find((i) => i.snapshotIds.includes(id));
  if (user) fail("InvalidSnapshot.InUse", `The snapshot ${id} is currently in use by ${user.id}`);
  ctx.st.snapshots.delete(id);
  return undefined;
}
