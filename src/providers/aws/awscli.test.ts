/**
 * The official AWS CLI (Debian's awscli, botocore underneath: an independent client built from
 * the same service model) sees what spuff made in the EC2 simulator, and the simulator checks the
 * CLI's requests against the model as it does spuff's. Runs /usr/bin/aws by absolute path: a
 * pyenv shim named `aws` may shadow it on PATH. Also the CLI's own whole lifecycle: run, describe,
 * stop, start, terminate, with the model's violation list empty.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Instance } from "@aws-sdk/client-ec2";
import { afterAll, describe, expect, it } from "vitest";
import { closeAfterEach } from "../../../test/helpers/close-after-each.ts";
import { awsOnSim } from "../../../test/helpers/sim-providers.ts";
import { type AwsSim, startAwsSim } from "../../sim/aws/index.ts";
import { testRequest } from "../test-request.ts";

const AWS_CLI = "/usr/bin/aws";
const REGION = "eu-central-1";
const run = promisify(execFile);
const home = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-awscli-"));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const track = closeAfterEach<AwsSim>();

/** Async, never execFileSync: the simulator answering the CLI lives in this process. */
async function aws(s: AwsSim, args: string[]): Promise<unknown> {
  const { stdout } = await run(AWS_CLI, ["--endpoint-url", s.url, "--output", "json", ...args], {
    timeout: 30_000,
    env: {
      PATH: "/usr/bin:/bin",
      HOME: home,
      AWS_ACCESS_KEY_ID: s.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s.secretAccessKey,
      AWS_DEFAULT_REGION: REGION,
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_PAGER: "",
    },
  });
  return JSON.parse(stdout);
}

const instancesIn = (out: unknown): Instance[] =>
  ((out as { Reservations?: { Instances?: Instance[] }[] }).Reservations ?? []).flatMap(
    (r) => r.Instances ?? [],
  );

describe("AWS CLI against the EC2 simulator", () => {
  it("describe-instances shows the instance spuff created, with its tags; terminated after destroy", async () => {
    const sim = track(await startAwsSim({ activeAfterMs: 100, actionAfterMs: 300 }));
    const provider = await awsOnSim(sim, { region: REGION });
    const made = await provider.createInstance(
      testRequest("spuff-cli", { region: REGION, size: "t3.medium" }),
    );
    const ready = await provider.waitReady(made.id, { timeoutMs: 10_000 });
    const instanceId = made.id.split("/")[1];
    const sdkRequests = sim.requests.length;

    const [seen] = instancesIn(await aws(sim, ["ec2", "describe-instances"]));
    expect(seen).toMatchObject({
      InstanceId: instanceId,
      InstanceType: "t3.medium",
      State: { Name: "running", Code: 16 },
      PublicIpAddress: ready.ip,
    });
    expect(seen?.Tags).toEqual(
      expect.arrayContaining([
        { Key: "spuff", Value: "true" },
        { Key: "spuff-instance", Value: "spuff-cli" },
        { Key: "Name", Value: "spuff-cli" },
        { Key: "owner", Value: "me" },
      ]),
    );
    const byTag = await aws(sim, ["ec2", "describe-instances", "--filters", "Name=tag:spuff,Values=true"]);
    expect(instancesIn(byTag).map((i) => i.InstanceId)).toEqual([instanceId]);
    const groups = (await aws(sim, [
      "ec2",
      "describe-security-groups",
      "--filters",
      "Name=tag:spuff,Values=true",
    ])) as {
      SecurityGroups: { GroupName: string; IpPermissions: { FromPort: number }[] }[];
    };
    expect(groups.SecurityGroups.map((g) => [g.GroupName, g.IpPermissions[0]?.FromPort])).toEqual([
      ["spuff-ssh", 22],
    ]);

    await provider.destroyInstance(made.id);
    let state: string | undefined;
    for (let i = 0; i < 20 && state !== "terminated"; i++) {
      const out = await aws(sim, ["ec2", "describe-instances", "--instance-ids", instanceId ?? ""]);
      state = instancesIn(out)[0]?.State?.Name;
      if (state !== "terminated") await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe("terminated");
    // The CLI's own requests reached the simulator and passed the same model checks.
    expect(sim.requests.length - sdkRequests).toBeGreaterThanOrEqual(5);
    expect(sim.requests.slice(sdkRequests).every((r) => r.status === 200)).toBe(true);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("describe-volumes shows spuff's gp3 volume with its tags, attached and then detached and kept", async () => {
    const sim = track(await startAwsSim({ activeAfterMs: 100, actionAfterMs: 100 }));
    const provider = await awsOnSim(sim, { region: REGION });
    const made = await provider.createInstance(
      testRequest("spuff-vol", { region: REGION, size: "t3.medium" }),
    );
    await provider.waitReady(made.id, { timeoutMs: 10_000 });
    const ops = provider.volumes;
    if (!ops) throw new Error("aws has volumes");
    const v = await ops.createVolume({ name: "w-cli", sizeGb: 10, region: REGION, instanceId: made.id });
    await ops.attachVolume(v.id, made.id, { timeoutMs: 10_000 });
    type Vols = {
      Volumes: {
        VolumeId: string;
        Size: number;
        VolumeType: string;
        State: string;
        Tags: object[];
        Attachments: { DeleteOnTermination: boolean; State: string }[];
      }[];
    };
    const seen = (await aws(sim, [
      "ec2",
      "describe-volumes",
      "--filters",
      "Name=tag:spuff,Values=true",
    ])) as Vols;
    expect(seen.Volumes).toMatchObject([
      {
        VolumeId: v.id.split("/")[1],
        Size: 10,
        VolumeType: "gp3",
        State: "in-use",
        Attachments: [{ DeleteOnTermination: false, State: "attached" }],
      },
    ]);
    expect(seen.Volumes[0]?.Tags).toEqual(expect.arrayContaining([{ Key: "spuff-volume", Value: "w-cli" }]));
    await provider.destroyInstance(made.id);
    const after = (await aws(sim, ["ec2", "describe-volumes"])) as Vols;
    expect(after.Volumes).toMatchObject([{ State: "available", Attachments: [] }]);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("runs the CLI's own lifecycle: run, describe, stop, start, terminate, zero model violations", async () => {
    const sim = track(await startAwsSim({ activeAfterMs: 100, actionAfterMs: 200 }));
    const images = (await aws(sim, [
      "ec2",
      "describe-images",
      "--owners",
      "amazon",
      "--filters",
      "Name=name,Values=debian-12-amd64-*",
    ])) as { Images: { ImageId: string }[] };
    const imageId = images.Images[0]?.ImageId ?? "";
    expect(imageId).toMatch(/^ami-/);

    const ran = (await aws(sim, [
      "ec2",
      "run-instances",
      "--image-id",
      imageId,
      "--instance-type",
      "t3.micro",
      "--count",
      "1",
      "--tag-specifications",
      "ResourceType=instance,Tags=[{Key=Name,Value=cli-life}]",
    ])) as { Instances: Instance[] };
    const id = ran.Instances[0]?.InstanceId ?? "";
    expect(ran.Instances[0]?.State?.Name).toBe("pending");

    /** Polls describe-instances until the state is reached (bounded: 40 × 100 ms). */
    const waitState = async (want: string): Promise<Instance | undefined> => {
      let seen: Instance | undefined;
      for (let i = 0; i < 40; i++) {
        [seen] = instancesIn(await aws(sim, ["ec2", "describe-instances", "--instance-ids", id]));
        if (seen?.State?.Name === want) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      return seen;
    };
    const running = await waitState("running");
    expect(running).toMatchObject({ InstanceId: id, InstanceType: "t3.micro", ImageId: imageId });
    expect(running?.Tags).toEqual([{ Key: "Name", Value: "cli-life" }]);

    const stopped = (await aws(sim, ["ec2", "stop-instances", "--instance-ids", id])) as {
      StoppingInstances: { CurrentState: { Name: string }; PreviousState: { Name: string } }[];
    };
    expect(stopped.StoppingInstances[0]).toMatchObject({
      CurrentState: { Name: "stopping" },
      PreviousState: { Name: "running" },
    });
    expect((await waitState("stopped"))?.StateReason?.Code).toBe("Client.UserInitiatedShutdown");

    const started = (await aws(sim, ["ec2", "start-instances", "--instance-ids", id])) as {
      StartingInstances: { CurrentState: { Name: string }; PreviousState: { Name: string } }[];
    };
    expect(started.StartingInstances[0]).toMatchObject({
      CurrentState: { Name: "pending" },
      PreviousState: { Name: "stopped" },
    });
    const again = await waitState("running");
    expect(again?.State?.Name).toBe("running");
    expect(Date.parse(String(again?.LaunchTime))).toBeGreaterThan(Date.parse(String(running?.LaunchTime)));

    const ended = (await aws(sim, ["ec2", "terminate-instances", "--instance-ids", id])) as {
      TerminatingInstances: { CurrentState: { Name: string } }[];
    };
    expect(ended.TerminatingInstances[0]?.CurrentState.Name).toBe("shutting-down");
    expect((await waitState("terminated"))?.State?.Name).toBe("terminated");
    // A terminated instance cannot be started again: EC2's error, a non-zero exit from the CLI.
    await expect(aws(sim, ["ec2", "start-instances", "--instance-ids", id])).rejects.toThrow(
      /IncorrectInstanceState/,
    );

    expect(sim.validator?.violations).toEqual([]);
  });
});
