/**
 * State → EC2 output structures, keyed by the model's member names (the codec writes the XML).
 * Filled in as a real DescribeInstances/DescribeImages answer is, so awscli and the SDK see the
 * fields they print; the validator checks each one against the model on the way out.
 */
import { ACCOUNT_ID } from "./catalog.ts";
import type { FilterFields } from "./filters.ts";
import { tagFields } from "./filters.ts";
import {
  type AwsState,
  type InstanceStateName,
  type SimImage,
  type SimInstance,
  type SimKeyPair,
  type SimSecurityGroup,
  type SimSnapshot,
  SPOT_RECLAIMED,
} from "./state.ts";

const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export const stateOut = (name: InstanceStateName) => ({ Code: STATE_CODES[name], Name: name });

const tagsOut = (tags: { Key: string; Value: string }[]) => tags.map((t) => ({ ...t }));

export function instanceOut(st: AwsState, i: SimInstance) {
  const state = st.instanceState(i);
  const live = state === "running";
  const gone = state === "terminated" || state === "shutting-down";
  const group = (id: string) => ({ GroupId: id, GroupName: st.groups.get(id)?.name ?? id });
  return {
    InstanceId: i.id,
    ImageId: i.imageId,
    State: stateOut(state),
    PrivateDnsName: gone ? "" : `ip-${i.privateIp.replace(/\./g, "-")}.${i.region}.compute.internal`,
    PublicDnsName: "",
    StateTransitionReason: i.ended ? transitionText(i.ended) : "",
    ...(i.keyName ? { KeyName: i.keyName } : {}),
    AmiLaunchIndex: 0,
    ProductCodes: [],
    InstanceType: i.type,
    LaunchTime: new Date(i.launchedAt),
    Placement: { AvailabilityZone: `${i.region}a`, GroupName: "", Tenancy: "default" as const },
    Monitoring: { State: "disabled" as const },
    ...(gone ? {} : { SubnetId: `subnet-${i.region.length}a0b1c2d3e4f5a6b7`, VpcId: vpcOf(st, i) }),
    ...(gone ? {} : { PrivateIpAddress: i.privateIp }),
    // EC2 assigns the public address as the instance starts running.
    ...(live ? { PublicIpAddress: i.ip } : {}),
    ...(i.ended
      ? { StateReason: { Code: i.ended.reason, Message: `${i.ended.reason}: ${stateReasonText(i)}` } }
      : {}),
    Architecture: i.arch,
    RootDeviceType: "ebs" as const,
    RootDeviceName: "/dev/sda1",
    BlockDeviceMappings: gone
      ? []
      : [
          {
            DeviceName: "/dev/sda1",
            Ebs: {
              AttachTime: new Date(i.launchedAt),
              DeleteOnTermination: true,
              Status: "attached" as const,
              VolumeId: `vol-${i.id.slice(2)}`,
            },
          },
        ],
    ...(i.clientToken ? { ClientToken: i.clientToken } : {}),
    ...(i.spot ? { InstanceLifecycle: "spot" as const, SpotInstanceRequestId: i.spot.requestId } : {}),
    EbsOptimized: false,
    EnaSupport: true,
    Hypervisor: "xen" as const,
    SecurityGroups: gone ? [] : i.groupIds.map(group),
    SourceDestCheck: true,
    Tags: tagsOut(i.tags),
    VirtualizationType: "hvm" as const,
    PlatformDetails: "Linux/UNIX",
    UsageOperation: "RunInstances",
  };
}

const REASON_TEXT: Record<string, string> = {
  "Client.InstanceInitiatedShutdown": "Instance initiated shutdown",
  [SPOT_RECLAIMED]: "Spot instance termination",
};

function stateReasonText(i: SimInstance): string {
  return REASON_TEXT[i.ended?.reason ?? ""] ?? "User initiated shutdown";
}

/** EC2 says who moved the instance: the user (or the guest) for Client.*, EC2 itself for Server.*. */
function transitionText(ended: NonNullable<SimInstance["ended"]>): string {
  const who = ended.reason.startsWith("Server.") ? "Service initiated" : "User initiated";
  return `${who} (${new Date(ended.at).toISOString()})`;
}

function vpcOf(st: AwsState, i: SimInstance): string {
  const g = i.groupIds.map((id) => st.groups.get(id)).find((x) => x);
  return g?.vpcId ?? "";
}

export function instanceFields(st: AwsState, i: SimInstance): FilterFields {
  return {
    ...tagFields(i.tags),
    "instance-id": [i.id],
    "instance-state-name": [st.instanceState(i)],
    "instance-type": [i.type],
    "image-id": [i.imageId],
    "key-name": [i.keyName],
    "client-token": [i.clientToken],
    "reservation-id": [i.reservationId],
    "availability-zone": [`${i.region}a`],
    "ip-address": st.instanceState(i) === "running" ? [i.ip] : [],
    "instance-lifecycle": i.spot ? ["spot"] : [],
  };
}

export const INSTANCE_FILTERS = [
  "instance-id",
  "instance-state-name",
  "instance-type",
  "image-id",
  "key-name",
  "client-token",
  "reservation-id",
  "availability-zone",
  "ip-address",
  "instance-lifecycle",
];

export function imageOut(st: AwsState, img: SimImage) {
  return {
    ImageId: img.id,
    ImageLocation: `${img.ownerId}/${img.name}`,
    State: st.imageState(img),
    OwnerId: img.ownerId,
    CreationDate: new Date(img.createdAt).toISOString(),
    Public: img.public,
    Architecture: img.arch,
    ImageType: "machine" as const,
    ...(img.ownerAlias ? { ImageOwnerAlias: img.ownerAlias } : {}),
    Name: img.name,
    Description: img.description,
    RootDeviceType: "ebs" as const,
    RootDeviceName: "/dev/sda1",
    BlockDeviceMappings: [
      {
        DeviceName: "/dev/sda1",
        Ebs: {
          DeleteOnTermination: true,
          ...(img.snapshotIds[0] ? { SnapshotId: img.snapshotIds[0] } : {}),
          VolumeSize: img.rootVolumeGb,
          VolumeType: "gp3" as const,
          Encrypted: false,
        },
      },
    ],
    VirtualizationType: "hvm" as const,
    Hypervisor: "xen" as const,
    EnaSupport: true,
    SriovNetSupport: "simple",
    ...(img.sourceInstanceId ? { SourceInstanceId: img.sourceInstanceId } : {}),
    Tags: tagsOut(img.tags),
    PlatformDetails: "Linux/UNIX",
    UsageOperation: "RunInstances",
  };
}

export function imageFields(st: AwsState, img: SimImage): FilterFields {
  return {
    ...tagFields(img.tags),
    name: [img.name],
    "image-id": [img.id],
    "owner-id": [img.ownerId],
    "owner-alias": [img.ownerAlias],
    state: [st.imageState(img)],
    architecture: [img.arch],
    "is-public": [String(img.public)],
    "root-device-type": ["ebs"],
    "virtualization-type": ["hvm"],
    "image-type": ["machine"],
  };
}

export const IMAGE_FILTERS = [
  "name",
  "image-id",
  "owner-id",
  "owner-alias",
  "state",
  "architecture",
  "is-public",
  "root-device-type",
  "virtualization-type",
  "image-type",
];

export function snapshotOut(st: AwsState, s: SimSnapshot) {
  const done = st.snapshotState(s) === "completed";
  return {
    SnapshotId: s.id,
    VolumeId: s.volumeId,
    State: st.snapshotState(s),
    StartTime: new Date(s.startedAt),
    Progress: done ? "100%" : "0%",
    OwnerId: ACCOUNT_ID,
    Description: s.description,
    VolumeSize: s.sizeGb,
    Encrypted: false,
    StorageTier: "standard" as const,
    Tags: tagsOut(s.tags),
  };
}

export function snapshotFields(st: AwsState, s: SimSnapshot): FilterFields {
  return {
    ...tagFields(s.tags),
    "snapshot-id": [s.id],
    "volume-id": [s.volumeId],
    status: [st.snapshotState(s)],
    description: [s.description],
    "owner-id": [ACCOUNT_ID],
  };
}

export const SNAPSHOT_FILTERS = ["snapshot-id", "volume-id", "status", "description", "owner-id"];

export function keyPairOut(k: SimKeyPair, withPublicKey: boolean) {
  return {
    KeyPairId: k.id,
    KeyType: k.type,
    Tags: tagsOut(k.tags),
    ...(withPublicKey ? { PublicKey: k.publicKey } : {}),
    CreateTime: new Date(k.createdAt),
    KeyName: k.name,
    KeyFingerprint: k.fingerprint,
  };
}

export function keyPairFields(k: SimKeyPair): FilterFields {
  return {
    ...tagFields(k.tags),
    "key-name": [k.name],
    "key-pair-id": [k.id],
    fingerprint: [k.fingerprint],
    "key-type": [k.type],
  };
}

export const KEY_PAIR_FILTERS = ["key-name", "key-pair-id", "fingerprint", "key-type"];

export function groupOut(g: SimSecurityGroup) {
  return {
    GroupId: g.id,
    GroupName: g.name,
    Description: g.description,
    OwnerId: ACCOUNT_ID,
    VpcId: g.vpcId,
    SecurityGroupArn: `arn:aws:ec2:${g.region}:${ACCOUNT_ID}:security-group/${g.id}`,
    IpPermissions: g.ingress.map((p) => ({
      IpProtocol: p.protocol,
      ...(p.from !== undefined ? { FromPort: p.from } : {}),
      ...(p.to !== undefined ? { ToPort: p.to } : {}),
      IpRanges: p.cidrs.map((c) => ({ CidrIp: c })),
      Ipv6Ranges: p.cidrsV6.map((c) => ({ CidrIpv6: c })),
      UserIdGroupPairs: [],
      PrefixListIds: [],
    })),
    IpPermissionsEgress: [
      {
        IpProtocol: "-1",
        IpRanges: [{ CidrIp: "0.0.0.0/0" }],
        Ipv6Ranges: [],
        UserIdGroupPairs: [],
        PrefixListIds: [],
      },
    ],
    Tags: tagsOut(g.tags),
  };
}

export function groupFields(g: SimSecurityGroup): FilterFields {
  return {
    ...tagFields(g.tags),
    "group-id": [g.id],
    "group-name": [g.name],
    "vpc-id": [g.vpcId],
    description: [g.description],
  };
}

export const GROUP_FILTERS = ["group-id", "group-name", "vpc-id", "description"];
