/**
 * Security groups in the EC2 simulator, driven by the official SDK: authorize, revoke (unknown
 * rules reported, not failed, as in a default VPC), delete, and the ports an instance's groups
 * leave open on its simulated public address (the none backend records them).
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type EC2ServiceException,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { closeAfterEach } from "../../../test/helpers/close-after-each.ts";
import { simEc2Client } from "../../../test/helpers/ec2-client.ts";
import { PUBLIC_PORTS } from "../public-ports.ts";
import { PUBLIC_IMAGES, publicImageId } from "./catalog.ts";
import { type AwsSim, startAwsSim } from "./index.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const track = closeAfterEach<AwsSim>();
const REGION = "eu-central-1";
const NOBLE = PUBLIC_IMAGES.find((p) => p.name.includes("noble") && p.arch === "x86_64")?.name ?? "";

const client = (s: AwsSim) => simEc2Client(s, REGION);
const launch = async (ec2: EC2Client, groups?: string[]) =>
  (
    await ec2.send(
      new RunInstancesCommand({
        MinCount: 1,
        MaxCount: 1,
        ImageId: publicImageId(REGION, NOBLE),
        InstanceType: "t3.micro",
        ...(groups ? { SecurityGroupIds: groups } : {}),
      }),
    )
  ).Instances?.[0]?.InstanceId ?? "";
const ssh = (cidr = "0.0.0.0/0") => ({
  IpProtocol: "tcp",
  FromPort: 22,
  ToPort: 22,
  IpRanges: [{ CidrIp: cidr }],
});

describe("EC2 simulator security groups", () => {
  it("the default group opens nothing; an all-open group every port; authorize and revoke change them at once", async () => {
    const sim = track(await startAwsSim({ activeAfterMs: 0 }));
    const ec2 = client(sim);
    const ports = (id: string) => sim.state.backend.openPorts?.(id);
    expect(ports(await launch(ec2))).toEqual([]);
    const open =
      (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "open", Description: "all" }))).GroupId ??
      "";
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: open,
        IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    );
    expect(ports(await launch(ec2, [open]))).toEqual([...PUBLIC_PORTS]);

    const sg =
      (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "spuff", Description: "ssh" }))).GroupId ??
      "";
    const id = await launch(ec2, [sg]);
    expect(ports(id)).toEqual([]);
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [ssh()] }));
    expect(ports(id)).toEqual([22]);
    const web = { IpProtocol: "tcp", FromPort: 8000, ToPort: 8000, IpRanges: [{ CidrIp: "0.0.0.0/0" }] };
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [web] }));
    expect(ports(id)).toEqual([22, 8000]);
    const revoked = await ec2.send(
      new RevokeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [web, ssh("10.0.0.0/8")] }),
    );
    expect(revoked.Return).toBe(true);
    expect(revoked.UnknownIpPermissions?.[0]?.IpRanges?.[0]?.CidrIp).toBe("10.0.0.0/8");
    expect(ports(id)).toEqual([22]);
    const [g] = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [sg] }))).SecurityGroups ?? [];
    expect(g?.IpPermissions?.map((p) => [p.IpProtocol, p.FromPort, p.ToPort])).toEqual([["tcp", 22, 22]]);
    expect(sim.validator?.violations ?? []).toEqual([]);
  });

  it("refuses to delete a group in use or the default one, deletes an unused one", async () => {
    const sim = track(await startAwsSim({ activeAfterMs: 0 }));
    const ec2 = client(sim);
    const sg =
      (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "used", Description: "x" }))).GroupId ?? "";
    await launch(ec2, [sg]);
    const code = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (e: EC2ServiceException) => e.name,
      );
    expect(await code(ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg })))).toBe("DependencyViolation");
    expect(await code(ec2.send(new DeleteSecurityGroupCommand({ GroupName: "default" })))).toBe(
      "CannotDelete",
    );
    const free =
      (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "free", Description: "x" }))).GroupId ?? "";
    expect(await code(ec2.send(new DeleteSecurityGroupCommand({ GroupId: free })))).toBe("ok");
    expect(await code(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [free] })))).toBe(
      "InvalidGroup.NotFound",
    );
  });
});
