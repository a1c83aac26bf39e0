/**
 * The official AWS SDK's EC2 client on the EC2 simulator (its endpoint and keys), one attempt so
 * a refusal reaches the test as the simulator sent it.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import type { AwsSim } from "../../src/sim/aws/index.ts";

export function simEc2Client(
  sim: Pick<AwsSim, "url" | "accessKeyId" | "secretAccessKey">,
  region = "eu-central-1",
): EC2Client {
  return new EC2Client({
    region,
    endpoint: sim.url,
    credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
    maxAttempts: 1,
  });
}
