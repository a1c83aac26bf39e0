/**
 * Security groups: create, describe, delete, and their inbound rules (authorize, revoke). The
 * rules of an instance's groups are enforced on its simulated public address (public-ports.ts)
 * at launch and after every rule change; the default group has no inbound rule, as in a default
 * VPC seen from the internet, so an instance without another group answers on no port.
 */
import { openPorts } from "../public-ports.ts";
import { ACCOUNT_ID } from "./catalog.ts";
import {
  fail,
  filterPage,
  type Input,
  nextToken,
  type Op,
  type OpContext,
  opt,
  strings,
  tagsFor,
} from "./ops-common.ts";
import { GROUP_FILTERS, groupFields, groupOut } from "./shapes.ts";
import { type AwsState, defaultVpc, type SimInstance, type SimSecurityGroup } from "./state.ts";

export const groupOps: Record<string, Op> = {
  CreateSecurityGroup: createSecurityGroup,
  DescribeSecurityGroups: describeSecurityGroups,
  DeleteSecurityGroup: deleteSecurityGroup,
  AuthorizeSecurityGroupIngress: authorizeIngress,
  RevokeSecurityGroupIngress: revokeIngress,
};

const groupsIn = ({ st, region }: OpContext) => [...st.groups.values()].filter((g) => g.region === region);

/** Applies each live instance's groups to its public address. */
export async function enforceGroups(st: AwsState, only?: SimInstance): Promise<void> {
  if (!st.backend.setOpenPorts) return;
  for (const i of only ? [only] : st.liveInstances()) {
    const rules = i.groupIds.flatMap((id) =>
      (st.groups.get(id)?.ingress ?? []).map((r) => ({
        protocol: r.protocol,
        ports: r.protocol === "-1" ? undefined : { from: r.from ?? 0, to: r.to ?? 65535 },
        sources: [...r.cidrs, ...r.cidrsV6],
      })),
    );
    await st.backend.setOpenPorts(i.id, openPorts(rules));
  }
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

/** IpPermissions, or the older single-rule form (IpProtocol/FromPort/ToPort/CidrIp). */
function permissionsOf(input: Input): PermissionIn[] {
  return (
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
      : [])
  );
}

async function authorizeIngress(ctx: OpContext, input: Input) {
  const g = findGroup(ctx, opt(input.GroupId), opt(input.GroupName));
  const perms = permissionsOf(input);
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
  await enforceGroups(ctx.st);
  return { Return: true, SecurityGroupRules: rules };
}

function deleteSecurityGroup(ctx: OpContext, input: Input): undefined {
  const g = findGroup(ctx, opt(input.GroupId), opt(input.GroupName));
  if (g.name === "default")
    fail("CannotDelete", 'the specified group: "default" name: "default" cannot be deleted by a user');
  if (ctx.st.liveInstances().some((i) => i.groupIds.includes(g.id)))
    fail("DependencyViolation", `resource ${g.id} has a dependent object`);
  ctx.st.groups.delete(g.id);
  return undefined;
}

/**
 * Removes the listed CIDRs from the matching rules (same protocol and ports). In a default VPC
 * EC2 answers a rule it does not know with success and lists it in UnknownIpPermissions.
 */
async function revokeIngress(ctx: OpContext, input: Input) {
  const g = findGroup(ctx, opt(input.GroupId), opt(input.GroupName));
  const unknown: PermissionIn[] = [];
  const revoked = [];
  for (const p of permissionsOf(input)) {
    const protocol = (p.IpProtocol ?? "").toLowerCase();
    const rule = g.ingress.find((r) => r.protocol === protocol && r.from === p.FromPort && r.to === p.ToPort);
    const cidrs = (p.IpRanges ?? []).map((r) => r.CidrIp ?? "");
    const cidrsV6 = (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6 ?? "");
    const missing = [
      ...cidrs.filter((c) => !rule?.cidrs.includes(c)),
      ...cidrsV6.filter((c) => !rule?.cidrsV6.includes(c)),
    ];
    if (!rule || missing.length > 0) {
      unknown.push(p);
      continue;
    }
    rule.cidrs = rule.cidrs.filter((c) => !cidrs.includes(c));
    rule.cidrsV6 = rule.cidrsV6.filter((c) => !cidrsV6.includes(c));
    for (const c of [...cidrs.map((x) => ({ CidrIpv4: x })), ...cidrsV6.map((x) => ({ CidrIpv6: x }))])
      revoked.push({
        SecurityGroupRuleId: ctx.st.newId("sgr"),
        GroupId: g.id,
        IsEgress: false,
        IpProtocol: protocol,
        ...(p.FromPort !== undefined ? { FromPort: p.FromPort } : {}),
        ...(p.ToPort !== undefined ? { ToPort: p.ToPort } : {}),
        ...c,
      });
  }
  g.ingress = g.ingress.filter((r) => r.cidrs.length + r.cidrsV6.length > 0);
  await enforceGroups(ctx.st);
  return {
    Return: true,
    ...(unknown.length ? { UnknownIpPermissions: unknown } : {}),
    ...(revoked.length ? { RevokedSecurityGroupRules: revoked } : {}),
  };
}
