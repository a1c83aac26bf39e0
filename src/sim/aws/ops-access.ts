/**
 * Key pairs, security groups, tags and regions: the account set-up spuff does once per region
 * (import the user's key, open SSH) and the generic tag/region calls awscli users reach for.
 */
import { awsFingerprint, parseOpenSshKey } from "../../providers/aws/fingerprint.ts";
import { ACCOUNT_ID, REGIONS } from "./catalog.ts";
import { type Filter, matches } from "./filters.ts";
import {
  checkTag,
  fail,
  filterPage,
  type Input,
  mergeTags,
  nextToken,
  type Op,
  type OpContext,
  opt,
  strings,
  tagsFor,
} from "./ops-common.ts";
import {
  GROUP_FILTERS,
  groupFields,
  groupOut,
  KEY_PAIR_FILTERS,
  keyPairFields,
  keyPairOut,
} from "./shapes.ts";
import { defaultVpc, type SimKeyPair, type SimSecurityGroup, type Tag } from "./state.ts";

export const accessOps: Record<string, Op> = {
  ImportKeyPair: importKeyPair,
  DescribeKeyPairs: describeKeyPairs,
  DeleteKeyPair: deleteKeyPair,
  CreateSecurityGroup: createSecurityGroup,
  DescribeSecurityGroups: describeSecurityGroups,
  AuthorizeSecurityGroupIngress: authorizeIngress,
  CreateTags: createTags,
  DescribeRegions: describeRegions,
};

const keysIn = ({ st, region }: OpContext) => [...st.keyPairs.values()].filter((k) => k.region === region);
const groupsIn = ({ st, region }: OpContext) => [...st.groups.values()].filter((g) => g.region === region);

function importKeyPair(ctx: OpContext, input: Input) {
  const name = String(input.KeyName);
  if (!/^[\x20-\x7e]{1,255}$/.test(name))
    fail("InvalidParameterValue", "Key names must be 1-255 ASCII characters.");
  if (keysIn(ctx).some((k) => k.name === name))
    fail("InvalidKeyPair.Duplicate", `The keypair '${name}' already exists.`);
  const text = Buffer.from(input.PublicKeyMaterial as Uint8Array)
    .toString("utf8")
    .trim();
  const key = parseOpenSshKey(text);
  if (!key) fail("InvalidKey.Format", "Key is not in valid OpenSSH public key format");
  const pair: SimKeyPair = {
    id: ctx.st.newId("key"),
    region: ctx.region,
    name,
    fingerprint: awsFingerprint(key),
    type: key.type,
    publicKey: text,
    createdAt: ctx.st.timeline.now(),
    tags: tagsFor(input, "key-pair", ["key-pair"]),
  };
  ctx.st.keyPairs.set(pair.id, pair);
  return { KeyFingerprint: pair.fingerprint, KeyName: name, KeyPairId: pair.id, Tags: pair.tags };
}

function describeKeyPairs(ctx: OpContext, input: Input) {
  let pool = keysIn(ctx);
  const names = strings(input.KeyNames);
  const ids = strings(input.KeyPairIds);
  for (const n of names)
    if (!pool.some((k) => k.name === n))
      fail("InvalidKeyPair.NotFound", `The key pair '${n}' does not exist`);
  for (const id of ids)
    if (!pool.some((k) => k.id === id))
      fail("InvalidKeyPair.NotFound", `The key pair ID '${id}' does not exist`);
  if (names.length > 0 || ids.length > 0)
    pool = pool.filter((k) => names.includes(k.name) || ids.includes(k.id));
  const filters = input.Filters as Filter[] | undefined;
  const hits = pool.filter((k) => matches(filters, keyPairFields(k), KEY_PAIR_FILTERS));
  return { KeyPairs: hits.map((k) => keyPairOut(k, input.IncludePublicKey === true)) };
}

/** Idempotent on EC2: deleting a key that is not there succeeds. */
function deleteKeyPair(ctx: OpContext, input: Input) {
  const name = opt(input.KeyName);
  const id = opt(input.KeyPairId);
  if (!name && !id) fail("MissingParameter", "The request must contain the parameter KeyName or KeyPairId");
  const k = keysIn(ctx).find((x) => x.name === name || x.id === id);
  if (k) ctx.st.keyPairs.delete(k.id);
  return { Return: true, ...(k ? { KeyPairId: k.id } : {}) };
}

function createSecurityGroup(ctx: OpContext, input: Input) {
  const name = String(input.GroupName);
  const vpcId = opt(input.VpcId) ?? defaultVpc(ctx.region);
  if (vpcId !== defaultVpc(ctx.region)) fail("InvalidVpcID.NotFound", `The vpc ID '${vpcId}' does not exist`);
  if (name === "default" || name.startsWith("sg-") || name.length > 255)
    fail("InvalidParameterValue", `Invalid security group name: ${name}`);
  if (groupsIn(ctx).some((g) => g.name === name && g.vpcId === vpcId))
    fail("InvalidGroup.Duplicate", `The security group '${name}' already exists for VPC '${vpcId}'`);
  const g: SimSecurityGroup = {
    id: ctx.st.newId("sg"),
    region: ctx.region,
    name,
    description: String(input.Description),
    vpcId,
    ingress: [],
    tags: tagsFor(input, "security-group", ["security-group"]),
  };
  ctx.st.groups.set(g.id, g);
  return { GroupId: g.id, Tags: g.tags, SecurityGroupArn: groupOut(g).SecurityGroupArn };
}

function findGroup(ctx: OpContext, id: string | undefined, name: string | undefined): SimSecurityGroup {
  const g = groupsIn(ctx).find((x) => (id ? x.id === id : x.name === name));
  if (!g) fail("InvalidGroup.NotFound", `The security group '${id ?? name ?? ""}' does not exist`);
  return g;
}

function describeSecurityGroups(ctx: OpContext, input: Input) {
  const ids = strings(input.GroupIds);
  const names = strings(input.GroupNames);
  let pool = groupsIn(ctx);
  if (ids.length > 0 || names.length > 0) {
    for (const id of ids) findGroup(ctx, id, undefined);
    for (const n of names) findGroup(ctx, undefined, n);
    pool = pool.filter((g) => ids.includes(g.id) || names.includes(g.name));
  }
  const p = filterPage(pool, input, "DescribeSecurityGroups", groupFields, GROUP_FILTERS);
  return { SecurityGroups: p.items.map(groupOut), ...nextToken(p) };
}

interface PermissionIn {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp?: string }[];
  Ipv6Ranges?: { CidrIpv6?: string }[];
}

function authorizeIngress(ctx: OpContext, input: Input) {
  const g = findGroup(ctx, opt(input.GroupId), opt(input.GroupName));
  const perms: PermissionIn[] =
    (input.IpPermissions as PermissionIn[] | undefined) ??
    (input.IpProtocol
      ? [
          {
            IpProtocol: String(input.IpProtocol),
            FromPort: input.FromPort as number | undefined,
            ToPort: input.ToPort as number | undefined,
            IpRanges: input.CidrIp ? [{ CidrIp: String(input.CidrIp) }] : [],
          },
        ]
      : []);
  if (perms.length === 0) fail("MissingParameter", "No permissions were specified.");
  const rules = [];
  for (const p of perms) {
    const protocol = (p.IpProtocol ?? "").toLowerCase();
    if (!["tcp", "udp", "icmp", "-1"].includes(protocol))
      fail("InvalidParameterValue", `Invalid IP protocol: ${protocol}`);
    const cidrs = (p.IpRanges ?? []).map((r) => r.CidrIp ?? "");
    const cidrsV6 = (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6 ?? "");
    for (const c of cidrs)
      if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c)) fail("InvalidParameterValue", `CIDR block ${c} is malformed`);
    const same = g.ingress.find((r) => r.protocol === protocol && r.from === p.FromPort && r.to === p.ToPort);
    const dup = cidrs.find((c) => same?.cidrs.includes(c)) ?? cidrsV6.find((c) => same?.cidrsV6.includes(c));
    if (dup)
      fail(
        "InvalidPermission.Duplicate",
        `the specified rule "peer: ${dup}, ${protocol.toUpperCase()}, from port: ${p.FromPort}, to port: ${p.ToPort}, ALLOW" already exists`,
      );
    if (same) {
      same.cidrs.push(...cidrs);
      same.cidrsV6.push(...cidrsV6);
    } else g.ingress.push({ protocol, from: p.FromPort, to: p.ToPort, cidrs, cidrsV6 });
    for (const c of [...cidrs.map((x) => ({ CidrIpv4: x })), ...cidrsV6.map((x) => ({ CidrIpv6: x }))]) {
      rules.push({
        SecurityGroupRuleId: ctx.st.newId("sgr"),
        GroupId: g.id,
        GroupOwnerId: ACCOUNT_ID,
        IsEgress: false,
        IpProtocol: protocol,
        ...(p.FromPort !== undefined ? { FromPort: p.FromPort } : {}),
        ...(p.ToPort !== undefined ? { ToPort: p.ToPort } : {}),
        ...c,
      });
    }
  }
  return { Return: true, SecurityGroupRules: rules };
}

function createTags(ctx: OpContext, input: Input): undefined {
  const tags = (input.Tags as Tag[]).map(checkTag);
  for (const id of strings(input.Resources)) {
    const target = taggable(ctx, id);
    if (!target) fail(notFoundCode(id), `The ID '${id}' does not exist`);
    mergeTags(target, tags);
  }
  return undefined;
}

function taggable({ st, region }: OpContext, id: string): Tag[] | undefined {
  const all = [st.instances, st.images, st.snapshots, st.keyPairs, st.groups] as Map<
    string,
    { region: string; tags: Tag[] }
  >[];
  for (const m of all) {
    const r = m.get(id);
    if (r && r.region === region) return r.tags;
  }
  return undefined;
}

function notFoundCode(id: string): string {
  const prefix = id.split("-")[0];
  const codes: Record<string, string> = {
    i: "InvalidInstanceID.NotFound",
    ami: "InvalidAMIID.NotFound",
    snap: "InvalidSnapshot.NotFound",
    sg: "InvalidGroup.NotFound",
    key: "InvalidKeyPair.NotFound",
  };
  return codes[prefix ?? ""] ?? "InvalidID";
}

function describeRegions(_ctx: OpContext, input: Input) {
  const wanted = strings(input.RegionNames);
  for (const r of wanted)
    if (!REGIONS.includes(r)) fail("InvalidParameterValue", `Invalid region name: ${r}`);
  const list = wanted.length > 0 ? wanted : REGIONS;
  return {
    Regions: list.map((r) => ({
      RegionName: r,
      Endpoint: `ec2.${r}.amazonaws.com`,
      OptInStatus: "opt-in-not-required",
    })),
  };
}
