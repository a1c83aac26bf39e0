/**
 * The EC2 simulator's wire behaviour, driven by the official SDK (not spuff's provider): SigV4,
 * states on the timeline, idempotency tokens, paging, regions, images, faults, guest poweroff.
 */
import { gzipSync } from "node:zlib";
import {
  CreateImageCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  type EC2ServiceException,
  ImportKeyPairCommand,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { closeAfterEach } from "../../../test/helpers/close-after-each.ts";
import { simEc2Client } from "../../../test/helpers/ec2-client.ts";
import { generateHostKey } from "../../cloudinit/host-key.ts";
import { FakeClock } from "../../core/clock.ts";
import type { MachineBackend } from "../backend.ts";
import { runSim } from "../run-sim.ts";
import { PUBLIC_IMAGES, publicImageId } from "./catalog.ts";
import { type AwsSim, type AwsSimOptions, SIM_SECRET_ACCESS_KEY, startAwsSim } from "./index.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const track = closeAfterEach<AwsSim>();

const start = async (o: AwsSimOptions = {}) =>
  track(await startAwsSim({ activeAfterMs: 1000, actionAfterMs: 500, ...o }));

const ec2 = (s: AwsSim, region = "eu-central-1", secret = s.secretAccessKey) =>
  simEc2Client({ url: s.url, accessKeyId: s.accessKeyId, secretAccessKey: secret }, region);

const NOBLE = PUBLIC_IMAGES.find((p) => p.name.includes("noble") && p.arch === "x86_64")?.name ?? "";
const run = (extra: Partial<RunInstancesCommandInput> = {}, region = "eu-central-1") =>
  new RunInstancesCommand({
    MinCount: 1,
    MaxCount: 1,
    ImageId: publicImageId(region, NOBLE),
    InstanceType: "t3.micro",
    ...extra,
  });

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: EC2ServiceException) => ({ code: e.name, status: e.$metadata.httpStatusCode, message: e.message }),
  );

/** A backend whose machines can be "powered off from inside", as the agent's teardown does. */
function poweroffBackend() {
  const listeners: ((id: string) => void)[] = [];
  const destroyed: string[] = [];
  const userData = new Map<string, string>();
  const backend: MachineBackend = {
    name: "test",
    async create(data, id) {
      userData.set(id, data);
      return { ip: "127.0.0.9" };
    },
    isReady: () => true,
    async destroy(id) {
      destroyed.push(id);
    },
    async close() {},
    onStopped: (l) => void listeners.push(l),
  };
  const powerOff = (id: string) => {
    for (const l of listeners) l(id);
  };
  return { backend, destroyed, userData, powerOff };
}

describe("EC2 simulator", () => {
  it("starts as `spuff-sim aws`: --token is the access key clients must sign with", async () => {
    const started = await runSim([
      "aws",
      "--port",
      "0",
      "--token",
      "AKIATESTTOKEN0000001",
      "--active-after-ms",
      "10",
    ]);
    try {
      const client = (accessKeyId: string) =>
        simEc2Client({ url: started.url, accessKeyId, secretAccessKey: SIM_SECRET_ACCESS_KEY }, "us-east-1");
      await expect(
        client("AKIATESTTOKEN0000001").send(new DescribeInstancesCommand({})),
      ).resolves.toBeDefined();
      expect(
        await failure(client("AKIAOTHERKEY00000001").send(new DescribeInstancesCommand({}))),
      ).toMatchObject({
        code: "AuthFailure",
      });
    } finally {
      await started.close();
    }
  });

  it("checks SigV4: the right key signs, a wrong secret or no signature is AuthFailure", async () => {
    const s = await start();
    await expect(ec2(s).send(new DescribeInstancesCommand({}))).resolves.toMatchObject({ Reservations: [] });
    expect(
      await failure(ec2(s, "eu-central-1", "wrong-secret").send(new DescribeInstancesCommand({}))),
    ).toMatchObject({
      code: "AuthFailure",
      status: 401,
    });
    const raw = await fetch(s.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=DescribeInstances&Version=2016-11-15",
    });
    expect(raw.status).toBe(401);
    expect(await raw.text()).toMatch(/<Response><Errors><Error><Code>AuthFailure<\/Code>/);
    const forged = await fetch(s.url, {
      method: "POST",
      headers: {
        authorization: "AWS4-HMAC-SHA256 Credential=x",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "Action=DescribeInstances&Version=2016-11-15",
    });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain("<Code>IncompleteSignature</Code>");
    expect(s.validator?.violations).toEqual([]);
  });

  it("pending → running (public IP only then) → shutting-down → terminated, on the clock", async () => {
    const clock = new FakeClock();
    const s = await start({ clock });
    const c = ec2(s);
    const made = (await c.send(run())).Instances?.[0];
    expect(made?.State).toEqual({ Code: 0, Name: "pending" });
    expect(made?.PublicIpAddress).toBeUndefined();
    const describe1 = async () =>
      (await c.send(new DescribeInstancesCommand({ InstanceIds: [made?.InstanceId ?? ""] })))
        .Reservations?.[0]?.Instances?.[0];
    await clock.advance(999);
    expect((await describe1())?.State?.Name).toBe("pending");
    await clock.advance(1);
    // The address is the machine backend's, handed out at launch but reported only now.
    const ip = s.state.instances.get(made?.InstanceId ?? "")?.ip;
    expect(ip).toMatch(/^127\.0\.0\.\d+$/);
    expect(await describe1()).toMatchObject({ State: { Code: 16, Name: "running" }, PublicIpAddress: ip });
    const t = await c.send(new TerminateInstancesCommand({ InstanceIds: [made?.InstanceId ?? ""] }));
    expect(t.TerminatingInstances?.[0]).toMatchObject({
      CurrentState: { Name: "shutting-down" },
      PreviousState: { Name: "running" },
    });
    await clock.advance(500);
    expect((await describe1())?.State).toEqual({ Code: 48, Name: "terminated" });
    // Terminating again is fine (EC2: idempotent); the instance stays visible as terminated.
    await expect(
      c.send(new TerminateInstancesCommand({ InstanceIds: [made?.InstanceId ?? ""] })),
    ).resolves.toBeDefined();
    expect(s.validator?.violations).toEqual([]);
  });

  it("a re-sent client token returns the same instance; other arguments with it are a mismatch", async () => {
    const s = await start();
    const c = ec2(s);
    const a = await c.send(run({ ClientToken: "tok-1" }));
    const b = await c.send(run({ ClientToken: "tok-1" }));
    expect(b.Instances?.[0]?.InstanceId).toBe(a.Instances?.[0]?.InstanceId);
    expect(s.state.instances.size).toBe(1);
    expect(await failure(c.send(run({ ClientToken: "tok-1", InstanceType: "t3.small" })))).toMatchObject({
      code: "IdempotentParameterMismatch",
      status: 400,
    });
  });

  it("a second import under the same key name is EC2's InvalidKeyPair.Duplicate (400), within the model", async () => {
    const s = await start();
    const c = ec2(s);
    const material = new TextEncoder().encode(generateHostKey("me@laptop").publicKey);
    await c.send(new ImportKeyPairCommand({ KeyName: "spuff-k", PublicKeyMaterial: material }));
    expect(
      await failure(c.send(new ImportKeyPairCommand({ KeyName: "spuff-k", PublicKeyMaterial: material }))),
    ).toMatchObject({
      code: "InvalidKeyPair.Duplicate",
      status: 400,
      message: "The keypair 'spuff-k' already exists.",
    });
    expect(s.state.keyPairs.size).toBe(1);
    expect(s.validator?.violations).toEqual([]);
  });

  it("decodes user data (base64, gzip) for the machine backend and keeps the shutdown behaviour", async () => {
    const pb = poweroffBackend();
    const s = await start({ backend: pb.backend });
    const c = ec2(s);
    const text = "#cloud-config\nhostname: box\n";
    const plain = await c.send(run({ UserData: Buffer.from(text).toString("base64") }));
    const zipped = await c.send(run({ UserData: gzipSync(text).toString("base64") }));
    expect(pb.userData.get(plain.Instances?.[0]?.InstanceId ?? "")).toBe(text);
    expect(pb.userData.get(zipped.Instances?.[0]?.InstanceId ?? "")).toBe(text);
    expect(await failure(c.send(run({ UserData: "***" })))).toMatchObject({ code: "InvalidParameterValue" });
    const big = Buffer.alloc(16_385, 65).toString("base64");
    expect((await failure(c.send(run({ UserData: big })))).message).toMatch(/16384 bytes/);
  });

  it("a guest poweroff terminates an instance launched with shutdown behaviour terminate, else stops it", async () => {
    const clock = new FakeClock();
    const pb = poweroffBackend();
    const s = await start({ clock, backend: pb.backend });
    const c = ec2(s);
    const term =
      (await c.send(run({ InstanceInitiatedShutdownBehavior: "terminate" }))).Instances?.[0]?.InstanceId ??
      "";
    const stop = (await c.send(run())).Instances?.[0]?.InstanceId ?? "";
    await clock.advance(1000);
    pb.powerOff(term);
    pb.powerOff(stop);
    await clock.advance(500);
    const out = await c.send(new DescribeInstancesCommand({ InstanceIds: [term, stop] }));
    const byId = Object.fromEntries(
      (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => [i.InstanceId, i]),
    );
    expect(byId[term]).toMatchObject({
      State: { Name: "terminated" },
      StateReason: { Code: "Client.InstanceInitiatedShutdown" },
    });
    expect(byId[stop]?.State?.Name).toBe("stopped");
    expect(pb.destroyed).toEqual([term]);
    expect(s.state.liveInstances().map((i) => i.id)).toEqual([stop]);
  });

  it("pages DescribeInstances with MaxResults/NextToken and refuses bad paging", async () => {
    const s = await start();
    const c = ec2(s);
    await c.send(run({ MinCount: 12, MaxCount: 12 }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const p = await c.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: token }));
      seen.push(...(p.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId ?? "")));
      token = p.NextToken;
      pages++;
    } while (token && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(12);
    expect(await failure(c.send(new DescribeInstancesCommand({ MaxResults: 3 })))).toMatchObject({
      code: "InvalidParameterValue",
    });
    expect(await failure(c.send(new DescribeInstancesCommand({ NextToken: "garbage" })))).toMatchObject({
      code: "InvalidParameterValue",
    });
    expect(
      await failure(c.send(new DescribeInstancesCommand({ InstanceIds: [seen[0] ?? ""], MaxResults: 5 }))),
    ).toMatchObject({ code: "InvalidParameterCombination" });
    expect(s.validator?.violations).toEqual([]);
  });

  it("keeps regions apart: instances and AMI ids are per region", async () => {
    const s = await start();
    const id = (await ec2(s).send(run())).Instances?.[0]?.InstanceId ?? "";
    const us = ec2(s, "us-east-1");
    expect((await us.send(new DescribeInstancesCommand({}))).Reservations).toEqual([]);
    expect(await failure(us.send(new DescribeInstancesCommand({ InstanceIds: [id] })))).toMatchObject({
      code: "InvalidInstanceID.NotFound",
    });
    expect(
      await failure(us.send(run({ ImageId: publicImageId("eu-central-1", NOBLE) }, "us-east-1"))),
    ).toMatchObject({
      code: "InvalidAMIID.NotFound",
    });
    expect(await failure(ec2(s).send(run({ InstanceType: "t4g.medium" })))).toMatchObject({
      code: "InvalidParameterValue",
      message: expect.stringMatching(/architecture 'arm64'.*'x86_64'/),
    });
  });

  it("images: pending then available; their EBS snapshot cannot go before the image does", async () => {
    const clock = new FakeClock();
    const s = await start({ clock });
    const c = ec2(s);
    const id = (await c.send(run())).Instances?.[0]?.InstanceId ?? "";
    expect(await failure(c.send(new CreateImageCommand({ InstanceId: id, Name: "early" })))).toMatchObject({
      code: "IncorrectInstanceState",
    });
    await clock.advance(1000);
    const { ImageId } = await c.send(new CreateImageCommand({ InstanceId: id, Name: "snap-1" }));
    const image = async () =>
      (await c.send(new DescribeImagesCommand({ ImageIds: [ImageId ?? ""] }))).Images?.[0];
    expect((await image())?.State).toBe("pending");
    await clock.advance(500);
    const img = await image();
    expect(img).toMatchObject({ State: "available", Name: "snap-1", SourceInstanceId: id, Public: false });
    expect(await failure(c.send(new CreateImageCommand({ InstanceId: id, Name: "snap-1" })))).toMatchObject({
      code: "InvalidAMIName.Duplicate",
    });
    const snapshotId = img?.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId ?? "";
    expect(await failure(c.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })))).toMatchObject({
      code: "InvalidSnapshot.InUse",
    });
    await c.send(new DeregisterImageCommand({ ImageId }));
    await c.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
    expect(s.state.snapshots.size).toBe(0);
    expect(s.validator?.violations).toEqual([]);
  });

  it("injects EC2's throttle (503 RequestLimitExceeded) and 500 InternalError, within the model", async () => {
    const s = await start({
      faults: {
        script: [
          { method: "POST", path: "DescribeInstances", fault: "429" },
          { method: "POST", path: "DescribeInstances", fault: "500" },
        ],
      },
    });
    const c = ec2(s);
    expect(await failure(c.send(new DescribeInstancesCommand({})))).toMatchObject({
      code: "RequestLimitExceeded",
      status: 503,
    });
    expect(await failure(c.send(new DescribeInstancesCommand({})))).toMatchObject({
      code: "InternalError",
      status: 500,
    });
    await expect(c.send(new DescribeInstancesCommand({}))).resolves.toBeDefined();
    expect(s.faults.injected.map((f) => f.fault)).toEqual(["429", "500"]);
    expect(s.validator?.violations).toEqual([]);
  });

  it("records a malformed request as a violation, and refuses it with 400 in strict mode", async () => {
    const post = (s: AwsSim) =>
      fetch(s.url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "Action=DescribeInstances&Version=2016-11-15&Colour=red",
      });
    const lax = await start();
    expect((await post(lax)).status).toBe(401);
    expect(lax.validator?.violations.map((v) => v.message)).toEqual([
      expect.stringMatching(/Colour: unknown parameter/),
    ]);
    await lax.close();
    const strict = await start({ strict: true });
    const res = await post(strict);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/<Code>InvalidParameterValue<\/Code><Message>Colour: unknown parameter/);
  });
});
