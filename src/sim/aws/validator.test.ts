/** The EC2 model checker on its own: it must accept what EC2 accepts and catch what it would not. */
import { describe, expect, it } from "vitest";
import { type Ec2Model, loadEc2Model } from "./model.ts";
import { decodeQuery } from "./query.ts";
import { checkShape } from "./shape-check.ts";
import { Ec2ModelValidator } from "./validator.ts";
import type { Ec2Request } from "./wire.ts";
import { errorXml, outputXml } from "./xml.ts";

const model = loadEc2Model();

const form = (fields: Record<string, string>) => new URLSearchParams({ Version: "2016-11-15", ...fields });
const request = (fields: Record<string, string>): Ec2Request => {
  const params = form(fields);
  return { raw: params.toString(), params, contentType: "application/x-www-form-urlencoded; charset=utf-8" };
};

const RUN = {
  Action: "RunInstances",
  MinCount: "1",
  MaxCount: "1",
  ImageId: "ami-0123456789abcdef0",
  InstanceType: "t3.medium",
  UserData: "I2Nsb3VkLWNvbmZpZwo=",
  InstanceInitiatedShutdownBehavior: "terminate",
  "TagSpecification.1.ResourceType": "instance",
  "TagSpecification.1.Tag.1.Key": "spuff",
  "TagSpecification.1.Tag.1.Value": "true",
  "TagSpecification.1.Tag.2.Key": "Name",
  "TagSpecification.1.Tag.2.Value": "box",
  "SecurityGroupId.1": "sg-1",
  "MetadataOptions.HttpTokens": "required",
};

describe("EC2 Query decoding through the model", () => {
  it("reads flattened lists, nested structures, renamed members and types as EC2 does", () => {
    const d = decodeQuery(model, form(RUN));
    expect(d.problems).toEqual([]);
    expect(d.action).toBe("RunInstances");
    expect(d.input).toEqual({
      MinCount: 1,
      MaxCount: 1,
      ImageId: "ami-0123456789abcdef0",
      InstanceType: "t3.medium",
      UserData: "I2Nsb3VkLWNvbmZpZwo=",
      InstanceInitiatedShutdownBehavior: "terminate",
      TagSpecifications: [
        {
          ResourceType: "instance",
          Tags: [
            { Key: "spuff", Value: "true" },
            { Key: "Name", Value: "box" },
          ],
        },
      ],
      SecurityGroupIds: ["sg-1"],
      MetadataOptions: { HttpTokens: "required" },
    });
    const blob = decodeQuery(
      model,
      form({ Action: "ImportKeyPair", KeyName: "k", PublicKeyMaterial: "c3NoLWVkMjU1MTk=" }),
    );
    expect(Buffer.from(blob.input.PublicKeyMaterial as Uint8Array).toString()).toBe("ssh-ed25519");
  });

  it.each([
    ["unknown field", { ...RUN, Colour: "red" }, /Colour: unknown parameter/],
    ["missing required member", { ...RUN, MinCount: undefined }, /missing required MinCount/],
    ["value outside an enum", { ...RUN, InstanceType: "huge" }, /"huge" is not one of InstanceType/],
    ["integer that is not", { ...RUN, MaxCount: "one" }, /MaxCount: "one" is not an integer/],
    ["enum member", { ...RUN, InstanceInitiatedShutdownBehavior: "explode" }, /not one of ShutdownBehavior/],
    [
      "list gap",
      { ...RUN, "SecurityGroupId.1": undefined, "SecurityGroupId.2": "sg-2" },
      /list positions must be 1…N/,
    ],
    [
      "member name instead of wire name",
      { ...RUN, "TagSpecification.1.Tags.1.Key": "x" },
      /Tags.1.Key: unknown parameter/,
    ],
    ["boolean", { ...RUN, DryRun: "yes" }, /DryRun: "yes" is not true\/false/],
    [
      "blob",
      { Action: "ImportKeyPair", KeyName: "k", PublicKeyMaterial: "not base64!" },
      /PublicKeyMaterial: is not base64/,
    ],
    ["string bound", { Action: "CreateImage", InstanceId: "i-1", Name: "ab" }, /shorter than 3/],
    ["integer bound", { Action: "DescribeSecurityGroups", MaxResults: "2" }, /less than 5/],
    ["operation", { Action: "LaunchRocket" }, /no such operation/],
  ])("catches a bad request: %s", (_label, fields, problem) => {
    const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    expect(decodeQuery(model, form(clean)).problems.join("\n")).toMatch(problem);
  });

  it("requires the API version the model describes", () => {
    const p = new URLSearchParams({ Action: "DescribeRegions", Version: "2014-01-01" });
    expect(decodeQuery(model, p).problems).toEqual([expect.stringMatching(/Version must be 2016-11-15/)]);
  });
});

describe("Ec2ModelValidator", () => {
  const instance = {
    InstanceId: "i-0123456789abcdef0",
    State: { Code: 16, Name: "running" },
    LaunchTime: new Date(0),
    Tags: [{ Key: "spuff", Value: "true" }],
  };
  const good = {
    action: "DescribeInstances",
    output: { Reservations: [{ ReservationId: "r-1", Instances: [instance] }] },
  };

  it("records request problems with direction, and accepts a well-formed form POST", () => {
    const v = new Ec2ModelValidator(model);
    expect(v.checkRequest("POST", "RunInstances", new URLSearchParams(), request(RUN))).toEqual([]);
    const bad = v.checkRequest("GET", "RunInstances", new URLSearchParams("x=1"), {
      ...request(RUN),
      contentType: "application/json",
    });
    expect(bad.map((b) => b.message)).toEqual([
      expect.stringMatching(/the ec2 protocol POSTs/),
      expect.stringMatching(/expected a form/),
      expect.stringMatching(/not the URL/),
    ]);
    expect(v.violations.every((x) => x.direction === "request")).toBe(true);
  });

  it("accepts a response that fits the output shape", () => {
    const v = new Ec2ModelValidator(model);
    expect(v.checkResponse("POST", "DescribeInstances", 200, good)).toEqual([]);
    expect(v.checkResponse("POST", "DeleteSnapshot", 200, { action: "DeleteSnapshot" })).toEqual([]);
    expect(
      v.checkResponse("POST", "X", 503, { error: { code: "RequestLimitExceeded", message: "slow down" } }),
    ).toEqual([]);
  });

  it.each([
    [
      "enum",
      { ...instance, State: { Code: 16, Name: "runnning" } },
      /"runnning" is not one of InstanceStateName/,
    ],
    ["integer", { ...instance, State: { Code: "16", Name: "running" } }, /State.Code: expected an integer/],
    ["unknown member", { ...instance, Colour: "red" }, /Colour is not a member of Instance/],
    ["timestamp", { ...instance, LaunchTime: "yesterday" }, /LaunchTime: expected a timestamp/],
    ["list", { ...instance, Tags: { Key: "a" } }, /Tags: expected a list/],
    ["boolean", { ...instance, EbsOptimized: "false" }, /EbsOptimized: expected a boolean/],
  ])("catches a bad response member: %s", (_label, inst, problem) => {
    const v = new Ec2ModelValidator(model);
    const out = { action: "DescribeInstances", output: { Reservations: [{ Instances: [inst] }] } };
    const found = v.checkResponse("POST", "DescribeInstances", 200, out);
    expect(found.map((f) => f.message).join("\n")).toMatch(problem);
    expect(found[0]?.direction).toBe("response");
  });

  it("catches a bad response envelope", () => {
    const v = new Ec2ModelValidator(model);
    const msgs = (status: number, body: unknown, label = "DescribeInstances") =>
      v.checkResponse("POST", label, status, body).map((f) => f.message);
    expect(msgs(418, { error: { code: "Teapot", message: "x" } })).toEqual([
      "status 418 is not one EC2 sends",
    ]);
    expect(msgs(200, { error: { code: "X", message: "y" } })).toEqual(["an error must not have status 200"]);
    expect(msgs(400, { error: { code: "Bad Code!", message: "" } })).toHaveLength(2);
    expect(msgs(200, good, "RunInstances")).toEqual(["answered DescribeInstances to a RunInstances request"]);
    expect(msgs(200, { action: "DeleteSnapshot", output: { Return: true } }, "DeleteSnapshot")).toEqual([
      "DeleteSnapshot has no output members in the model",
    ]);
    expect(msgs(200, undefined)).toEqual(["EC2 always answers with a body"]);
  });
});

describe("model-driven XML", () => {
  it("writes locationNames, list items and the ec2 namespace", () => {
    const xml = outputXml(model, "DescribeInstances", good().output, "req-1");
    expect(xml).toContain('<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">');
    expect(xml).toContain("<requestId>req-1</requestId>");
    expect(xml).toMatch(
      /<reservationSet><item><reservationId>r-1<\/reservationId><instancesSet><item>.*<instanceId>i-1<\/instanceId>/,
    );
    expect(xml).toContain("<instanceState><code>16</code><name>running</name></instanceState>");
    expect(xml).toContain("<launchTime>1970-01-01T00:00:00.000Z</launchTime>");
    expect(xml).toContain("<tagSet><item><key>a&#38;b</key><value>&#60;x&#62;</value></item></tagSet>");
  });

  it("writes the error envelope the SDKs parse", () => {
    expect(errorXml("AuthFailure", "no", "id-1")).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>AuthFailure</Code><Message>no</Message></Error></Errors><RequestID>id-1</RequestID></Response>',
    );
  });

  function good() {
    return {
      output: {
        Reservations: [
          {
            ReservationId: "r-1",
            Instances: [
              {
                InstanceId: "i-1",
                State: { Code: 16, Name: "running" },
                LaunchTime: new Date(0),
                Tags: [{ Key: "a&b", Value: "<x>" }],
              },
            ],
          },
        ],
      },
    };
  }
});

describe("shape types the trimmed model lacks", () => {
  // A two-shape model: the checker must handle maps, longs and doubles too.
  const mini: Ec2Model = {
    metadata: { apiVersion: "2016-11-15", xmlNamespace: "x", protocol: "ec2" },
    operations: { Op: { name: "Op", input: { shape: "In" } } },
    shapes: {
      In: {
        type: "structure",
        members: { Labels: { shape: "Labels" }, Size: { shape: "L" }, Ratio: { shape: "D" } },
      },
      Labels: { type: "map", key: { shape: "S" }, value: { shape: "S" } },
      S: { type: "string", max: 3 },
      L: { type: "long", min: 0 },
      D: { type: "double" },
    },
  };

  it("maps: decoded from Name.entry.N.key/value and checked key by key", () => {
    const d = decodeQuery(
      mini,
      new URLSearchParams({
        Action: "Op",
        Version: "2016-11-15",
        "Labels.entry.1.key": "a",
        "Labels.entry.1.value": "b",
        Size: "5",
        Ratio: "0.5",
      }),
    );
    expect(d).toMatchObject({ problems: [], input: { Labels: { a: "b" }, Size: 5, Ratio: 0.5 } });
    expect(checkShape(mini, "In", { Labels: { a: "toolong" }, Size: -1, Ratio: "x" }, "In")).toEqual([
      "In.Labels[a]: longer than 3",
      "In.Size: less than 0",
      "In.Ratio: expected a number (D)",
    ]);
  });
});
