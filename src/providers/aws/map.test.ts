import type { Instance } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import {
  archForInstanceType,
  clientToken,
  instanceTags,
  newest,
  publicImageQuery,
  qualify,
  toInstance,
  toSnapshot,
  unqualify,
} from "./map.ts";

describe("AWS mapping", () => {
  it("qualifies ids with their region and reads bare ids as the home region's", () => {
    expect(qualify("eu-west-1", "i-0abc")).toBe("eu-west-1/i-0abc");
    expect(unqualify("eu-west-1/i-0abc", "us-east-1")).toEqual({ region: "eu-west-1", id: "i-0abc" });
    expect(unqualify("ami-123", "us-east-1")).toEqual({ region: "us-east-1", id: "ami-123" });
  });

  it("tags: spuff's own first, then valid labels; labels come back without spuff's tags", () => {
    const tags = instanceTags("box", {
      owner: "me",
      spuff: "true",
      "aws:x": "no",
      [`k${"x".repeat(128)}`]: "long",
    });
    expect(tags).toEqual([
      { Key: "spuff", Value: "true" },
      { Key: "spuff-instance", Value: "box" },
      { Key: "Name", Value: "box" },
      { Key: "owner", Value: "me" },
    ]);
    const i: Instance = {
      InstanceId: "i-1",
      State: { Name: "running", Code: 16 },
      InstanceType: "t3.micro",
      LaunchTime: new Date("2026-01-01T00:00:00Z"),
      PublicIpAddress: "203.0.113.5",
      Tags: tags,
    };
    expect(toInstance("eu-west-1", i)).toEqual({
      id: "eu-west-1/i-1",
      name: "box",
      ip: "203.0.113.5",
      status: "active",
      region: "eu-west-1",
      size: "t3.micro",
      createdAt: "2026-01-01T00:00:00.000Z",
      labels: { owner: "me" },
    });
  });

  it("maps states: pending = new, stopped = off, terminating/terminated = gone", () => {
    const at = (Name: string) => toInstance("r", { InstanceId: "i-1", State: { Name: Name as never } });
    expect(at("pending")?.status).toBe("new");
    expect(at("pending")?.ip).toBeNull();
    expect(at("stopping")?.status).toBe("off");
    expect(at("stopped")?.status).toBe("off");
    expect(at("shutting-down")).toBeUndefined();
    expect(at("terminated")).toBeUndefined();
  });

  it("snapshots: size is the sum of the image's EBS volumes", () => {
    const s = toSnapshot("us-east-1", {
      ImageId: "ami-1",
      Name: "snap",
      CreationDate: "2026-01-02T03:04:05.000Z",
      BlockDeviceMappings: [
        { Ebs: { VolumeSize: 8 } },
        { Ebs: { VolumeSize: 20 } },
        { VirtualName: "ephemeral0" },
      ],
    });
    expect(s).toEqual({
      id: "us-east-1/ami-1",
      name: "snap",
      sizeGb: 28,
      createdAt: "2026-01-02T03:04:05.000Z",
      regions: ["us-east-1"],
    });
  });

  it("client tokens: stable for a retry, new for another launch, within EC2's 64 characters", () => {
    const p = { name: "box", region: "us-east-1", size: "t3.micro", imageId: "ami-1", userData: "a" };
    expect(clientToken(p)).toBe(clientToken({ ...p }));
    expect(clientToken(p)).not.toBe(clientToken({ ...p, userData: "b" }));
    expect(clientToken(p)).not.toBe(clientToken({ ...p, name: "box2" }));
    expect(clientToken(p)).toMatch(/^[\x20-\x7e]{1,64}$/);
  });

  it("Graviton families are arm64", () => {
    for (const t of ["t4g.medium", "m7g.large", "c7gn.xlarge", "x2gd.large", "a1.large", "im4gn.large"])
      expect(archForInstanceType(t)).toBe("arm64");
    for (const t of ["t3.medium", "m7i.large", "g4dn.xlarge", "c5n.large", "m5zn.large", "inf2.xlarge"])
      expect(archForInstanceType(t)).toBe("x86_64");
  });

  it("finds distribution images by publisher and name, newest first", () => {
    expect(publicImageQuery({ kind: "ubuntu", version: "24.04" }, "arm64")).toEqual({
      owner: "099720109477",
      namePattern: "ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-arm64-server-*",
    });
    expect(publicImageQuery({ kind: "debian", version: "12" }, "x86_64")).toEqual({
      owner: "136693071363",
      namePattern: "debian-12-amd64-*",
    });
    expect(publicImageQuery({ kind: "ubuntu", version: "9.04" }, "x86_64")).toHaveProperty("error");
    expect(
      newest([
        { ImageId: "a", CreationDate: "2025-01-15T08:30:00.000Z" },
        { ImageId: "b", CreationDate: "2025-11-12T08:30:00.000Z" },
        { ImageId: "c", CreationDate: "2024-12-01T00:00:00.000Z" },
      ])?.ImageId,
    ).toBe("b");
  });
});
