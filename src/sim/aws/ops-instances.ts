/** RunInstances, DescribeInstances, TerminateInstances: EC2's checks, idempotency and states. */

import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { ACCOUNT_ID, INSTANCE_TYPES } from "./catalog.ts";
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
import { enforceGroups } from "./ops-groups.ts";
import { INSTANCE_FILTERS, instanceFields, instanceOut, stateOut } from "./shapes.ts";
import { spotRequest } from "./spot.ts";
import type { SimInstance } from "./state.ts";

/** EC2's raw user-data limit, before base64. */
const USER_DATA_MAX = 16_384;
/** Terminated instances stay visible about an hour, then vanish from Describe calls. */
const TERMINATED_VISIBLE_MS = 3_600_000;
const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;
const TAGGABLE = ["instance", "volume", "network-interface"];

export interface InstanceLimits {
  /** Live (not terminated) instances allowed per region: past it, InstanceLimitExceeded. */
  maxInstances: number;
}

export function instanceOps(limits: InstanceLimits): Record<string, Op> {
  return {
    RunInstances: (ctx, input) => runInstances(ctx, input, limits),
    DescribeInstances: describeInstances,
    TerminateInstances: terminateInstances,
  };
}

async function runInstances(ctx: OpContext, input: Input, limits: InstanceLimits) {
  const { st, region } = ctx;
  const min = input.MinCount as number;
  const max = input.MaxCount as number;
  if (min < 1 || max < min)
    fail("InvalidParameterValue", "MinCount must be at least 1 and at most MaxCount.");
  const token = opt(input.ClientToken);
  if (token !== undefined && (token.length > 64 || !/^[\x20-\x7e]*$/.test(token)))
    fail("InvalidParameterValue", "The client token must be at most 64 ASCII characters.");
  const digest = requestDigest(input);
  if (token) {
    const earlier = [...st.instances.values()].filter((i) => i.region === region && i.clientToken === token);
    if (earlier.length > 0) {
      if (earlier[0]?.requestDigest !== digest)
        fail(
          "IdempotentParameterMismatch",
          "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).",
        );
      return reservationOut(ctx, earlier);
    }
  }

  const imageId =
    opt(input.ImageId) ?? fail("MissingParameter", "The request must contain the parameter ImageId");
  if (!/^ami-[0-9a-f]{8,17}$/.test(imageId)) fail("InvalidAMIID.Malformed", `Invalid id: "${imageId}"`);
  const image = st.images.get(imageId);
  if (!image || image.region !== region || (!image.public && image.ownerId !== ACCOUNT_ID))
    fail("InvalidAMIID.NotFound", `The image id '[${imageId}]' does not exist`);
  if (st.imageState(image) !== "available")
    fail("InvalidAMIID.Unavailable", `AMI ${imageId} is not available yet.`);
  const type = opt(input.InstanceType) ?? "m1.small";
  const info = INSTANCE_TYPES[type];
  if (!info) fail("Unsupported", `Your requested instance type (${type}) is not supported in ${region}.`);
  if (info.arch !== image.arch)
    fail(
      "InvalidParameterValue",
      `The architecture '${info.arch}' of the specified instance type does not match the architecture '${image.arch}' of the specified AMI.`,
    );
  const keyName = opt(input.KeyName);
  if (keyName && ![...st.keyPairs.values()].some((k) => k.region === region && k.name === keyName))
    fail("InvalidKeyPair.NotFound", `The key pair '${keyName}' does not exist`);
  const groupIds = resolveGroups(ctx, input);
  const userData = decodeUserData(opt(input.UserData));
  const tags = tagsFor(input, "instance", TAGGABLE);
  const spot = spotRequest(ctx, input, type, `${region}a`);

  const live = [...st.instances.values()].filter((i) => i.region === region && !i.ended).length;
  if (live + min > limits.maxInstances)
    fail(
      "InstanceLimitExceeded",
      `You have requested more instances (${live + min}) than your current instance limit of ${limits.maxInstances} allows for the specified instance type.`,
    );
  const count = Math.min(max, limits.maxInstances - live);
  const reservationId = st.newId("r");
  const made: SimInstance[] = [];
  for (let n = 0; n < count; n++) {
    const id = st.newId("i");
    const { ip } = await st.backend.create(userData, id, image.backendImage);
    const seq = parseInt(id.slice(-4), 16);
    const inst: SimInstance = {
      id,
      region,
      reservationId,
      imageId,
      type,
      arch: info.arch,
      ...(keyName ? { keyName } : {}),
      groupIds,
      tags: tags.map((t) => ({ ...t })),
      userData,
      ...(token ? { clientToken: token } : {}),
      requestDigest: digest,
      shutdownBehavior: input.InstanceInitiatedShutdownBehavior === "terminate" ? "terminate" : "stop",
      launchedAt: st.timeline.now(),
      ip,
      privateIp: `172.31.${(seq >> 8) & 255}.${seq & 255}`,
      rootVolumeGb: image.rootVolumeGb,
      ...(spot ? { spot: { ...spot, requestId: `sir-${st.newId("r").slice(-8)}` } } : {}),
    };
    st.instances.set(id, inst);
    made.push(inst);
    await enforceGroups(st, inst);
  }
  return reservationOut(ctx, made);
}

function reservationOut({ st }: OpContext, instances: SimInstance[]) {
  return {
    ReservationId: instances[0]?.reservationId ?? "",
    OwnerId: ACCOUNT_ID,
    Groups: [],
    Instances: instances.map((i) => instanceOut(st, i)),
  };
}

/** Everything but the token, so a re-send with other arguments is told apart. */
function requestDigest(input: Input): string {
  const { ClientToken: _token, ...rest } = input;
  const json = JSON.stringify(rest, (_k, v) =>
    v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v,
  );
  return createHash("sha256").update(json).digest("hex");
}

function resolveGroups({ st, region }: OpContext, input: Input): string[] {
  const inRegion = [...st.groups.values()].filter((g) => g.region === region);
  const ids = strings(input.SecurityGroupIds).map((id) => {
    if (!inRegion.some((g) => g.id === id))
      fail("InvalidGroup.NotFound", `The security group '${id}' does not exist`);
    return id;
  });
  for (const name of strings(input.SecurityGroups)) {
    const g = inRegion.find((x) => x.name === name);
    if (!g) fail("InvalidGroup.NotFound", `The security group '${name}' does not exist in default VPC`);
    ids.push(g.id);
  }
  if (ids.length > 0) return ids;
  const def = inRegion.find((g) => g.name === "default");
  return def ? [def.id] : [];
}

/** The text cloud-init would see: base64 decoded and, if gzip, decompressed (as cloud-init does). */
function decodeUserData(b64: string | undefined): string {
  if (b64 === undefined) return "";
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64))
    fail("InvalidParameterValue", "Invalid BASE64 encoding of user data.");
  const raw = Buffer.from(b64, "base64");
  if (raw.length > USER_DATA_MAX)
    fail("InvalidParameterValue", `User data is limited to ${USER_DATA_MAX} bytes`);
  const gzip = raw[0] === 0x1f && raw[1] === 0x8b;
  return (gzip ? gunzipSync(raw) : raw).toString("utf8");
}

function visible(ctx: OpContext, i: SimInstance): boolean {
  if (i.region !== ctx.region) return false;
  return !(i.ended?.to === "terminated" && ctx.st.timeline.now() > i.ended.at + TERMINATED_VISIBLE_MS);
}

export function byIds(ctx: OpContext, ids: string[]): SimInstance[] {
  return ids.map((id) => {
    if (!INSTANCE_ID.test(id)) fail("InvalidInstanceID.Malformed", `Invalid id: "${id}"`);
    const i = ctx.st.instances.get(id);
    if (!i || !visible(ctx, i)) fail("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`);
    return i;
  });
}

function describeInstances(ctx: OpContext, input: Input) {
  const ids = strings(input.InstanceIds);
  refuseIdsWithPaging(ids, input, "instancesSet");
  const pool =
    ids.length > 0 ? byIds(ctx, ids) : [...ctx.st.instances.values()].filter((i) => visible(ctx, i));
  // EC2 pages over instances and groups each page's instances back into their reservations.
  const p = filterPage(pool, input, "DescribeInstances", (i) => instanceFields(ctx.st, i), INSTANCE_FILTERS);
  const reservations: SimInstance[][] = [];
  for (const i of p.items) {
    const last = reservations.at(-1);
    if (last && last[0]?.reservationId === i.reservationId) last.push(i);
    else reservations.push([i]);
  }
  return {
    Reservations: reservations.map((r) => reservationOut(ctx, r)),
    ...nextToken(p),
  };
}

async function terminateInstances(ctx: OpContext, input: Input) {
  const targets = byIds(ctx, strings(input.InstanceIds));
  const changes = [];
  for (const i of targets) {
    const before = ctx.st.instanceState(i);
    await ctx.st.terminate(i, "Client.UserInitiatedShutdown");
    changes.push({
      InstanceId: i.id,
      CurrentState: stateOut(ctx.st.instanceState(i)),
      PreviousState: stateOut(before),
    });
  }
  return { TerminatingInstances: changes };
}
