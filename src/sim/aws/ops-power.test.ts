/** StopInstances / StartInstances in the EC2 simulator, driven by the official SDK on a fake clock. */
import {
  DescribeInstancesCommand,
  type EC2ServiceException,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { closeAfterEach } from "../../../test/helpers/close-after-each.ts";
import { simEc2Client } from "../../../test/helpers/ec2-client.ts";
import { FakeClock } from "../../core/clock.ts";
import { PUBLIC_IMAGES, publicImageId } from "./catalog.ts";
import { type AwsSim, startAwsSim } from "./index.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const track = closeAfterEach<AwsSim>();
const REGION = "eu-central-1";
const DEBIAN = PUBLIC_IMAGES.find((p) => p.name.startsWith("debian-12"))?.name ?? "";

const refused = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: EC2ServiceException) => e.name,
  );

describe("EC2 simulator: stop and start", () => {
  it("stops a running instance, starts it again as a new launch, and refuses the states EC2 refuses", async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const sim = track(await startAwsSim({ clock, activeAfterMs: 1000, actionAfterMs: 500 }));
    const ec2 = simEc2Client(sim, REGION);
    const ran = await ec2.send(
      new RunInstancesCommand({
        MinCount: 1,
        MaxCount: 1,
        ImageId: publicImageId(REGION, DEBIAN),
        InstanceType: "t3.micro",
      }),
    );
    const id = ran.Instances?.[0]?.InstanceId ?? "";
    const ids = { InstanceIds: [id] };
    const state = async () =>
      (await ec2.send(new DescribeInstancesCommand(ids))).Reservations?.[0]?.Instances?.[0];

    // Pending cannot be stopped.
    expect(await refused(ec2.send(new StopInstancesCommand(ids)))).toBe("IncorrectInstanceState");
    await clock.advance(1000);
    const first = await state();
    expect(first?.State?.Name).toBe("running");

    const stop = await ec2.send(new StopInstancesCommand(ids));
    expect(stop.StoppingInstances?.[0]).toMatchObject({
      CurrentState: { Name: "stopping" },
      PreviousState: { Name: "running" },
    });
    // Stopping cannot be started; stopping again is fine (idempotent).
    expect(await refused(ec2.send(new StartInstancesCommand(ids)))).toBe("IncorrectInstanceState");
    expect((await ec2.send(new StopInstancesCommand(ids))).StoppingInstances?.[0]?.CurrentState?.Name).toBe(
      "stopping",
    );
    await clock.advance(500);
    expect((await state())?.State?.Name).toBe("stopped");

    const start = await ec2.send(new StartInstancesCommand(ids));
    expect(start.StartingInstances?.[0]).toMatchObject({
      CurrentState: { Name: "pending" },
      PreviousState: { Name: "stopped" },
    });
    await clock.advance(1000);
    const again = await state();
    expect(again?.State?.Name).toBe("running");
    expect(again?.LaunchTime?.getTime()).toBe((first?.LaunchTime?.getTime() ?? 0) + 1500);
    // Starting a running instance changes nothing.
    expect((await ec2.send(new StartInstancesCommand(ids))).StartingInstances?.[0]?.CurrentState?.Name).toBe(
      "running",
    );

    await ec2.send(new TerminateInstancesCommand(ids));
    expect(await refused(ec2.send(new StopInstancesCommand(ids)))).toBe("IncorrectInstanceState");
    expect(await refused(ec2.send(new StartInstancesCommand(ids)))).toBe("IncorrectInstanceState");
    expect(sim.validator?.violations).toEqual([]);
  });
});
