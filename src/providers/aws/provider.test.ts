/**
 * AWS specifics against the EC2 simulator (model-validated, SigV4-checked): what RunInstances
 * carries, one-time account set-up, lost responses, error codes with next steps, paging, image
 * cleanup, log redaction. The shared lifecycle is contract.test.ts.
 */
import { describe, expect, it } from "vitest";
import { closeAfterEach } from "../../../test/helpers/close-after-each.ts";
import { createLogger, type Logger } from "../../core/log.ts";
import { ACCOUNT_ID, PUBLIC_IMAGES, publicImageId } from "../../sim/aws/catalog.ts";
import { type AwsSim, type AwsSimOptions, startAwsSim } from "../../sim/aws/index.ts";
import type { SimInstance } from "../../sim/aws/state.ts";
import type { FaultOptions } from "../../sim/faults.ts";
import { ProviderError } from "../errors.ts";
import { createProvider } from "../registry.ts";
import { testRequest } from "../test-request.ts";
import type { InstanceRequest, Provider } from "../types.ts";
import { awsFingerprint, parseOpenSshKey } from "./fingerprint.ts";

const REGION = "eu-central-1";

const request = (name: string, over: Partial<InstanceRequest> = {}) =>
  testRequest(
    name,
    { region: REGION, size: "t3.medium" },
    { userData: "#cloud-config\nhostname: box\n", ...over },
  );

const track = closeAfterEach<AwsSim>();

interface Setup {
  faults?: FaultOptions;
  secret?: string;
  sim?: AwsSimOptions;
  log?: Logger;
}

async function setup(o: Setup = {}): Promise<{ sim: AwsSim; provider: Provider }> {
  const sim = track(await startAwsSim({ activeAfterMs: 100, actionAfterMs: 80, faults: o.faults, ...o.sim }));
  const provider = await createProvider("aws", { ...providerOptions(sim, o.secret), log: o.log });
  return { sim, provider };
}

const calls = (s: AwsSim, action: string) => s.requests.filter((r) => r.path === action);
const newestNoble = (region: string, arch: "x86_64" | "arm64") =>
  publicImageId(
    region,
    PUBLIC_IMAGES.filter((p) => p.name.includes("noble") && p.arch === arch)
      .sort((a, b) => b.created.localeCompare(a.created))
      .map((p) => p.name)[0] ?? "",
  );

describe("aws provider (EC2 simulator + model validation)", () => {
  it("launches with the user-data, shutdown behaviour terminate, tags, the user's key and an SSH group", async () => {
    const { sim, provider } = await setup();
    const req = request("spuff-launch");
    const made = await provider.createInstance(req);
    expect(made.id).toMatch(new RegExp(`^${REGION}/i-[0-9a-f]{17}$`));
    const inst = sim.state.instances.get(made.id.split("/")[1] ?? "") as SimInstance;
    expect(inst.userData).toBe(req.userData);
    expect(inst.shutdownBehavior).toBe("terminate");
    expect(inst.tags).toEqual([
      { Key: "spuff", Value: "true" },
      { Key: "spuff-instance", Value: "spuff-launch" },
      { Key: "Name", Value: "spuff-launch" },
      { Key: "owner", Value: "me" },
    ]);
    expect(inst.imageId).toBe(newestNoble(REGION, "x86_64"));
    expect(inst.clientToken).toMatch(/^spuff-[0-9a-f]{58}$/);
    const key = [...sim.state.keyPairs.values()];
    expect(key.map((k) => [k.name, k.fingerprint, k.tags])).toEqual([
      [
        inst.keyName,
        awsFingerprint(parseOpenSshKey(req.sshPublicKey) ?? { type: "ed25519", blob: Buffer.alloc(0) }),
        [{ Key: "spuff", Value: "true" }],
      ],
    ]);
    const group = sim.state.groups.get(inst.groupIds[0] ?? "");
    expect(group?.name).toBe("spuff-ssh");
    expect(group?.ingress).toEqual([
      { protocol: "tcp", from: 22, to: 22, cidrs: ["0.0.0.0/0"], cidrsV6: ["::/0"] },
      { protocol: "icmp", from: -1, to: -1, cidrs: ["0.0.0.0/0"], cidrsV6: ["::/0"] },
    ]);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("reuses the key pair (by fingerprint, whatever its name) and the SSH group (by tag)", async () => {
    const { sim, provider } = await setup();
    const req = request("spuff-r1");
    // The user already imported this key by hand, under their own name.
    const parsed = parseOpenSshKey(req.sshPublicKey);
    if (!parsed) throw new Error("bad test key");
    sim.state.keyPairs.set("key-0000000000000beef", {
      id: "key-0000000000000beef",
      region: REGION,
      name: "my-laptop",
      fingerprint: awsFingerprint(parsed),
      type: "ed25519",
      publicKey: req.sshPublicKey,
      createdAt: 0,
      tags: [],
    });
    await provider.createInstance(req);
    await provider.createInstance({ ...req, name: "spuff-r2" });
    // A second provider (a later spuff run) finds both again instead of creating more.
    const later = await createProvider("aws", providerOptions(sim));
    await later.createInstance({ ...req, name: "spuff-r3" });
    expect([...sim.state.instances.values()].map((i) => i.keyName)).toEqual([
      "my-laptop",
      "my-laptop",
      "my-laptop",
    ]);
    expect(calls(sim, "ImportKeyPair")).toHaveLength(0);
    expect([...sim.state.groups.values()].filter((g) => g.name === "spuff-ssh")).toHaveLength(1);
    expect(calls(sim, "CreateSecurityGroup")).toHaveLength(1);
    expect(calls(sim, "AuthorizeSecurityGroupIngress")).toHaveLength(1);
  });

  it("picks the newest Ubuntu 24.04 build for the region and the instance type's architecture", async () => {
    const { sim, provider } = await setup();
    const made = await provider.createInstance(
      request("spuff-arm", { size: "t4g.medium", region: "us-east-1" }),
    );
    expect(made.region).toBe("us-east-1");
    const inst = sim.state.instances.get(made.id.split("/")[1] ?? "");
    expect(inst?.imageId).toBe(newestNoble("us-east-1", "arm64"));
    expect(inst?.arch).toBe("arm64");
  });

  it("a RunInstances whose response was lost leaves exactly one instance (same client token re-sent)", async () => {
    const { sim, provider } = await setup({
      faults: { script: [{ method: "POST", path: "RunInstances", fault: "reset-after" }] },
    });
    const made = await provider.createInstance(request("spuff-lost"));
    expect(sim.faults.injected).toEqual([{ method: "POST", path: "RunInstances", fault: "reset-after" }]);
    expect(calls(sim, "RunInstances")).toHaveLength(2);
    expect(sim.state.instances.size).toBe(1);
    expect(made.id).toBe(`${REGION}/${[...sim.state.instances.keys()][0]}`);
  });

  it("an instance already carrying the name is returned, not launched again", async () => {
    const { sim, provider } = await setup();
    const a = await provider.createInstance(request("spuff-again"));
    const b = await provider.createInstance(request("spuff-again"));
    expect(b.id).toBe(a.id);
    expect(calls(sim, "RunInstances")).toHaveLength(1);
  });

  it("a lost CreateImage response makes no second image", async () => {
    const { sim, provider } = await setup({
      faults: { script: [{ method: "POST", path: "CreateImage", fault: "reset-after" }] },
    });
    const i = await provider.createInstance(request("spuff-img"));
    await provider.waitReady(i.id, { timeoutMs: 5_000 });
    const snap = await provider.createSnapshot(i.id, "spuff-img-1");
    const own = [...sim.state.images.values()].filter((x) => x.ownerId === ACCOUNT_ID);
    expect(own.map((x) => `${REGION}/${x.id}`)).toEqual([snap.id]);
    expect(calls(sim, "CreateImage")).toHaveLength(1);
  });

  it("bad credentials fail once as authentication with a hint (no retry storm)", async () => {
    const { sim, provider } = await setup({ secret: "not-the-secret" });
    const err = (await provider.listInstances().catch((e) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: "authentication", exitCode: 4, status: 401 });
    expect(err.hint).toMatch(/AWS_ACCESS_KEY_ID/);
    expect(sim.requests).toHaveLength(1);
  });

  it("an unknown size is invalid_config naming describe-instance-types; the model check flags the request too", async () => {
    const { sim, provider } = await setup();
    const err = (await provider
      .createInstance(request("spuff-huge", { size: "huge" }))
      .catch((e) => e)) as ProviderError;
    expect(err.kind).toBe("invalid_config");
    expect(err.hint).toMatch(/describe-instance-types --region eu-central-1/);
    expect(sim.state.instances.size).toBe(0);
    expect(sim.validator?.violations.map((v) => `${v.direction} ${v.path}: ${v.message}`)).toEqual([
      'request RunInstances: RunInstances.InstanceType: "huge" is not one of InstanceType',
    ]);
  });

  it("the account's instance limit is quota_exceeded; a missing AMI or another region's snapshot is invalid_config", async () => {
    const { sim, provider } = await setup({ sim: { maxInstances: 1 } });
    await provider.createInstance(request("spuff-q1"));
    const quota = (await provider.createInstance(request("spuff-q2")).catch((e) => e)) as ProviderError;
    expect(quota).toMatchObject({ kind: "quota_exceeded" });
    expect(quota.hint).toMatch(/Service Quotas/);
    const ami = (await provider
      .createInstance(request("spuff-ami", { image: { kind: "custom", id: "ami-00000000000000404" } }))
      .catch((e) => e)) as ProviderError;
    expect(ami).toMatchObject({ kind: "invalid_config" });
    expect(ami.message).toMatch(/InvalidAMIID.NotFound/);
    const before = sim.requests.length;
    const elsewhere = (await provider
      .createInstance(
        request("spuff-far", { image: { kind: "snapshot", id: "us-west-2/ami-0000000000000abcd" } }),
      )
      .catch((e) => e)) as ProviderError;
    expect(elsewhere).toMatchObject({ kind: "invalid_config" });
    expect(elsewhere.hint).toMatch(/--region us-west-2/);
    expect(sim.requests.length - before).toBe(1); // only the by-name lookup; nothing created
  });

  it("lists 250 instances and 250 images across pages; terminated and other instances are not listed", async () => {
    const { sim, provider } = await setup();
    const st = sim.state;
    const base = (i: number, tags: { Key: string; Value: string }[]): SimInstance => ({
      id: st.newId("i"),
      region: REGION,
      reservationId: st.newId("r"),
      imageId: newestNoble(REGION, "x86_64"),
      type: "t3.micro",
      arch: "x86_64",
      groupIds: [],
      tags,
      userData: "",
      requestDigest: "",
      shutdownBehavior: "terminate",
      launchedAt: 0,
      ip: `127.0.9.${i % 250}`,
      privateIp: "172.31.0.1",
      rootVolumeGb: 8,
    });
    for (let i = 0; i < 250; i++) {
      const inst = base(i, [
        { Key: "spuff", Value: "true" },
        { Key: "spuff-instance", Value: `spuff-p${i}` },
      ]);
      st.instances.set(inst.id, inst);
      const img = st.newId("ami");
      st.images.set(img, {
        id: img,
        region: REGION,
        name: `img-${i}`,
        description: "",
        ownerId: ACCOUNT_ID,
        public: false,
        arch: "x86_64",
        createdAt: 0,
        readyAt: 0,
        snapshotIds: [],
        rootVolumeGb: 8,
        tags: [],
      });
    }
    const gone = base(0, [{ Key: "spuff", Value: "true" }]);
    gone.ended = { at: Date.now(), to: "terminated", reason: "Client.UserInitiatedShutdown" };
    const foreign = base(0, [{ Key: "team", Value: "web" }]);
    for (const x of [gone, foreign]) st.instances.set(x.id, x);

    const instances = await provider.listInstances();
    expect(new Set(instances.map((i) => i.id)).size).toBe(250);
    expect(instances.map((i) => i.id)).not.toContain(`${REGION}/${gone.id}`);
    expect(instances.map((i) => i.id)).not.toContain(`${REGION}/${foreign.id}`);
    expect(calls(sim, "DescribeInstances")).toHaveLength(2);
    const snaps = await provider.listSnapshots();
    expect(new Set(snaps.map((s) => s.id)).size).toBe(250);
    expect(calls(sim, "DescribeImages")).toHaveLength(2);
    expect(await provider.getInstance(`${REGION}/${gone.id}`)).toBeUndefined();
    expect(sim.validator?.violations).toEqual([]);
  });

  it("deleteSnapshot deregisters the image and deletes its EBS snapshots, also ones an interrupted run left", async () => {
    const { sim, provider } = await setup();
    const i = await provider.createInstance(request("spuff-clean"));
    await provider.waitReady(i.id, { timeoutMs: 5_000 });
    const a = await provider.createSnapshot(i.id, "spuff-clean-a");
    const b = await provider.createSnapshot(i.id, "spuff-clean-b");
    expect(sim.state.snapshots.size).toBe(2);
    await provider.deleteSnapshot(a.id);
    expect(sim.state.snapshots.size).toBe(1);
    // Simulate a run that deregistered image b and died before deleting its EBS snapshot.
    sim.state.images.delete(b.id.split("/")[1] ?? "");
    await provider.deleteSnapshot(b.id);
    expect(sim.state.snapshots.size).toBe(0);
    await provider.deleteSnapshot(b.id);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("debug logs show each call but never the secret key", async () => {
    let logs = "";
    const log = createLogger({ write: (c: string) => (logs += c) }, "debug");
    const { sim, provider } = await setup({ log });
    const i = await provider.createInstance(request("spuff-logs"));
    await provider.destroyInstance(i.id);
    expect(logs).toContain('"method":"POST","path":"RunInstances","region":"eu-central-1","status":200');
    expect(logs).toContain('"path":"TerminateInstances"');
    expect(logs).not.toContain(sim.secretAccessKey);
  });
});

function providerOptions(s: AwsSim, secret = s.secretAccessKey) {
  return {
    token: undefined,
    env: { AWS_ENDPOINT_URL_EC2: s.url, AWS_ACCESS_KEY_ID: s.accessKeyId, AWS_SECRET_ACCESS_KEY: secret },
    region: REGION,
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
  };
}
