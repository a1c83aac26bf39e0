/**
 * spuff's security group as the shared firewall shape (providers/firewall.ts): found by its role
 * tag (or, untagged, by name), created with inbound TCP 22 (from `ssh.allow_from`) and ICMP, and
 * reconciled on each `up`: any other inbound permission is revoked and the missing ones
 * authorized, the difference reported. Egress stays EC2's default (all).
 */
import type { IpPermission, SecurityGroup } from "@aws-sdk/client-ec2";
import { ProviderError } from "../errors.ts";
import type { FirewallStore, FirewallView, InboundRule } from "../firewall.ts";
import type { AwsClient } from "./client.ts";
import { awsCode, PROVIDER } from "./errors.ts";
import { SPUFF_TAG } from "./map.ts";

export const SSH_GROUP = "spuff-ssh";
const ROLE_TAG = { Key: "spuff-role", Value: "ssh" };

export function toRules(perms: readonly IpPermission[]): InboundRule[] {
  return perms.map((p) => {
    const proto = p.IpProtocol === "-1" ? "all" : (p.IpProtocol as InboundRule["protocol"]);
    const ranged = (proto === "tcp" || proto === "udp") && p.FromPort !== undefined;
    return {
      protocol: proto,
      ...(ranged ? { ports: { from: p.FromPort ?? 0, to: p.ToPort ?? p.FromPort ?? 0 } } : {}),
      sources: [
        ...(p.IpRanges ?? []).map((r) => r.CidrIp ?? ""),
        ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6 ?? ""),
        ...(p.UserIdGroupPairs ?? []).map((g) => `sg:${g.GroupId ?? ""}`),
        ...(p.PrefixListIds ?? []).map((l) => `prefix-list:${l.PrefixListId ?? ""}`),
      ],
    };
  });
}

function toPermission(r: InboundRule): IpPermission {
  const v4 = r.sources.filter((s) => !s.includes(":"));
  const v6 = r.sources.filter((s) => s.includes(":"));
  const desc = { Description: "spuff" };
  return {
    IpProtocol: r.protocol === "all" ? "-1" : r.protocol,
    ...(r.protocol === "icmp" ? { FromPort: -1, ToPort: -1 } : {}),
    ...(r.ports ? { FromPort: r.ports.from, ToPort: r.ports.to } : {}),
    IpRanges: v4.map((c) => ({ CidrIp: c, ...desc })),
    Ipv6Ranges: v6.map((c) => ({ CidrIpv6: c, ...desc })),
  };
}

/** What to revoke: the permission as described, without the descriptions EC2 does not match on. */
function bare(p: IpPermission): IpPermission {
  return {
    IpProtocol: p.IpProtocol,
    ...(p.FromPort !== undefined ? { FromPort: p.FromPort } : {}),
    ...(p.ToPort !== undefined ? { ToPort: p.ToPort } : {}),
    ...(p.IpRanges?.length ? { IpRanges: p.IpRanges.map((r) => ({ CidrIp: r.CidrIp })) } : {}),
    ...(p.Ipv6Ranges?.length ? { Ipv6Ranges: p.Ipv6Ranges.map((r) => ({ CidrIpv6: r.CidrIpv6 })) } : {}),
    ...(p.UserIdGroupPairs?.length
      ? { UserIdGroupPairs: p.UserIdGroupPairs.map((g) => ({ GroupId: g.GroupId })) }
      : {}),
    ...(p.PrefixListIds?.length
      ? { PrefixListIds: p.PrefixListIds.map((l) => ({ PrefixListId: l.PrefixListId })) }
      : {}),
  };
}

export const toFirewallView = (g: SecurityGroup): FirewallView => ({
  id: g.GroupId ?? "",
  name: g.GroupName ?? "",
  inbound: toRules(g.IpPermissions ?? []),
});

export function groupStore(
  api: AwsClient,
  region: string,
  desired: readonly InboundRule[],
): FirewallStore<SecurityGroup> {
  const describe = async (filter: { Name: string; Values: string[] }) =>
    (
      await api.all(region, "DescribeSecurityGroups", { Filters: [filter] }, (p) => p.SecurityGroups ?? [])
    )[0];
  // Tagged first; a group of that name that lost its tags (or was made by hand) is adopted.
  const find = async () =>
    (await describe({ Name: `tag:${ROLE_TAG.Key}`, Values: [ROLE_TAG.Value] })) ??
    (await describe({ Name: "group-name", Values: [SSH_GROUP] }));
  const authorize = async (groupId: string, rules: readonly InboundRule[]) => {
    try {
      // A re-send after a lost response answers Duplicate, which means done: safe to retry.
      await api.call(region, "AuthorizeSecurityGroupIngress", {
        GroupId: groupId,
        IpPermissions: rules.map(toPermission),
      });
    } catch (err) {
      if (awsCode(err) !== "InvalidPermission.Duplicate") throw err;
    }
  };
  return {
    find,
    async create() {
      const made = await api.call(
        region,
        "CreateSecurityGroup",
        {
          GroupName: SSH_GROUP,
          Description: "spuff dev machines: SSH in (key-only logins)",
          TagSpecifications: [
            {
              ResourceType: "security-group",
              Tags: [{ ...SPUFF_TAG }, ROLE_TAG, { Key: "Name", Value: SSH_GROUP }],
            },
          ],
        },
        { idempotent: false, recover: async () => ((await find()) ? { $metadata: {} } : undefined) },
      );
      const id = made.GroupId ?? (await find())?.GroupId;
      if (!id)
        throw new ProviderError({
          kind: "api",
          provider: PROVIDER,
          message: `Security group ${SSH_GROUP} was created but cannot be found in ${region}.`,
        });
      await authorize(id, desired);
      return { GroupId: id, GroupName: SSH_GROUP, IpPermissions: desired.map(toPermission) };
    },
    isDuplicate: (err) => awsCode(err) === "InvalidGroup.Duplicate",
    inbound: (g) => toRules(g.IpPermissions ?? []),
    async restore(g) {
      const id = g.GroupId ?? "";
      const current = g.IpPermissions ?? [];
      if (current.length > 0)
        await api.call(region, "RevokeSecurityGroupIngress", {
          GroupId: id,
          IpPermissions: current.map(bare),
        });
      await authorize(id, desired);
    },
    describe: (g) => ({ id: g.GroupId ?? "", name: g.GroupName ?? SSH_GROUP }),
  };
}
