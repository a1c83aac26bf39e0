/**
 * Spot in the EC2 simulator, driven by the official SDK on a fake clock: InstanceMarketOptions
 * on RunInstances, DescribeSpotPriceHistory, and an interruption as an instance sees it through
 * IMDSv2 (token PUT, then GET, from its own source address) and as the API reports it after.
 */
import http from "node:http";
import {
  DescribeInstancesCommand,
  DescribeSpotPriceHistoryCommand,
  type EC2ServiceException,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { closeAfterEach } from "../../../test/helpers/close-after-each.ts";
import { simEc2Client } from "../../../test/helpers/ec2-client.ts";
import { FakeClock } from "../../core/clock.ts";
import { PUBLIC_IMAGES, publicImageId } from "./catalog.ts";
import { type AwsSim, startAwsSim } from "./index.ts";
import { spotPriceAt } from "./spot.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const track = closeAfterEach<AwsSim>();
const REGION = "eu-central-1";
const NOBLE = PUBLIC_IMAGES.find((p) => p.name.includes("noble") && p.arch === "x86_64")?.name ?? "";
const T0 = Date.parse("2026-12-03T10:20:00Z");

async function setup() {
  const clock = new FakeClock(T0);
  const sim = track(await startAwsSim({ clock, activeAfterMs: 0, strict: true }));
  const ec2 = simEc2Client(sim, REGION);
  const run = (extra: Partial<RunInstancesCommandInput> = {}) =>
    ec2.send(
      new RunInstancesCommand({
        MinCount: 1,
        MaxCount: 1,
        ImageId: publicImageId(REGION, NOBLE),
        InstanceType: "t3.medium",
        ...extra,
      }),
    );
  return { clock, sim, ec2, run };
}

const SPOT = { InstanceMarketOptions: { MarketType: "spot" as const } };

const refused = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: EC2ServiceException) => ({ code: e.name, message: e.message }),
  );

/** A raw request from a chosen loopback source address, as an instance calls its IMDS. */
function imds(
  sim: AwsSim,
  from: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${sim.metadataUrl}${path}`, { method, headers, localAddress: from }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

describe("EC2 simulator: spot instances", () => {
  it("launches a one-time spot instance that reports its lifecycle and request id", async () => {
    const { sim, ec2, run } = await setup();
    const res = await run({
      InstanceMarketOptions: {
        MarketType: "spot",
        SpotOptions: {
          SpotInstanceType: "one-time",
          InstanceInterruptionBehavior: "terminate",
          MaxPrice: "0.5",
        },
      },
    });
    const id = res.Instances?.[0]?.InstanceId ?? "";
    expect(res.Instances?.[0]).toMatchObject({ InstanceLifecycle: "spot" });
    expect(res.Instances?.[0]?.SpotInstanceRequestId).toMatch(/^sir-[0-9a-f]{8}$/);
    const onDemand = (await run()).Instances?.[0];
    expect(onDemand?.InstanceLifecycle).toBeUndefined();
    const spotOnly = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "instance-lifecycle", Values: ["spot"] }] }),
    );
    expect(spotOnly.Reservations?.flatMap((r) => r.Instances?.map((i) => i.InstanceId))).toEqual([id]);
    // One-time spot instances cannot be stopped, as on EC2.
    expect((await refused(ec2.send(new StopInstancesCommand({ InstanceIds: [id] })))).code).toBe(
      "UnsupportedOperation",
    );
    expect(sim.validator?.violations).toEqual([]);
  });

  it("refuses what EC2 refuses: a max price under the spot price, stop-on-interruption one-time, bad prices", async () => {
    const { sim, run } = await setup();
    const price = spotPriceAt(`${REGION}a`, "t3.medium", T0) as string;
    const low = await refused(
      run({ InstanceMarketOptions: { MarketType: "spot", SpotOptions: { MaxPrice: "0.000001" } } }),
    );
    expect(low).toEqual({
      code: "SpotMaxPriceTooLow",
      message: `Your Spot request price of 0.000001 is lower than the minimum required Spot request fulfillment price of ${price}.`,
    });
    expect(
      (
        await refused(
          run({
            InstanceMarketOptions: {
              MarketType: "spot",
              SpotOptions: { InstanceInterruptionBehavior: "stop" },
            },
          }),
        )
      ).code,
    ).toBe("InvalidParameterCombination");
    for (const bad of ["-1", "0", "1e3", "0.5; rm -rf /", ""])
      expect(
        (
          await refused(
            run({ InstanceMarketOptions: { MarketType: "spot", SpotOptions: { MaxPrice: bad } } }),
          )
        ).code,
      ).toMatch(/InvalidParameterValue|SpotMaxPriceTooLow/);
    // Nothing was launched by any refused request.
    expect(sim.state.instances.size).toBe(0);
  });

  it("DescribeSpotPriceHistory: the price in force at StartTime per zone, newest first, paged", async () => {
    const { sim, ec2 } = await setup();
    const now = await ec2.send(
      new DescribeSpotPriceHistoryCommand({
        InstanceTypes: ["t3.medium"],
        ProductDescriptions: ["Linux/UNIX"],
        StartTime: new Date(T0),
      }),
    );
    const hour = Date.parse("2026-12-03T10:00:00Z");
    expect(now.SpotPriceHistory).toEqual(
      ["a", "b", "c"].map((z) => ({
        AvailabilityZone: `${REGION}${z}`,
        InstanceType: "t3.medium",
        ProductDescription: "Linux/UNIX",
        SpotPrice: spotPriceAt(`${REGION}${z}`, "t3.medium", hour),
        Timestamp: new Date(hour),
      })),
    );
    // Zone a, hand-computed from the catalog: 0.0125 × (0.95 … 1.05).
    const a = Number(now.SpotPriceHistory?.[0]?.SpotPrice);
    expect(a).toBeGreaterThanOrEqual(0.0125 * 0.95);
    expect(a).toBeLessThanOrEqual(0.0125 * 1.05);
    // A day's history of one zone: 24 hourly points, newest first, in pages of 10.
    const pages: number[] = [];
    let token: string | undefined;
    do {
      const p = await ec2.send(
        new DescribeSpotPriceHistoryCommand({
          AvailabilityZone: `${REGION}a`,
          InstanceTypes: ["t3.medium"],
          MaxResults: 10,
          NextToken: token,
        }),
      );
      pages.push(p.SpotPriceHistory?.length ?? 0);
      token = p.NextToken;
    } while (token);
    expect(pages).toEqual([10, 10, 4]);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("an interruption: IMDSv2 serves the notice to that instance only, then EC2 reclaims it", async () => {
    const { clock, sim, ec2, run } = await setup();
    const ran = await run(SPOT);
    const id = ran.Instances?.[0]?.InstanceId ?? "";
    const ip = sim.state.instances.get(id)?.ip ?? "";
    const other = sim.state.instances.get((await run(SPOT)).Instances?.[0]?.InstanceId ?? "")?.ip ?? "";

    const token = (from: string) =>
      imds(sim, from, "PUT", "/latest/api/token", { "x-aws-ec2-metadata-token-ttl-seconds": "60" });
    const get = (from: string, t: string, path: string) =>
      imds(sim, from, "GET", `/latest/meta-data/${path}`, { "x-aws-ec2-metadata-token": t });

    // IMDSv2: no token, a bad TTL, a proxied PUT or an outsider are refused.
    expect((await imds(sim, ip, "GET", "/latest/meta-data/instance-id")).status).toBe(401);
    expect((await imds(sim, ip, "PUT", "/latest/api/token")).status).toBe(400);
    expect(
      (
        await imds(sim, ip, "PUT", "/latest/api/token", {
          "x-aws-ec2-metadata-token-ttl-seconds": "60",
          "x-forwarded-for": "1.2.3.4",
        })
      ).status,
    ).toBe(403);
    expect((await token("127.0.0.1")).status).toBe(404);
    const t = (await token(ip)).body;
    expect(await get(ip, t, "instance-id")).toEqual({ status: 200, body: id });
    expect(await get(ip, t, "instance-life-cycle")).toEqual({ status: 200, body: "spot" });
    // Another instance's token is not this one's.
    expect((await get(other, t, "instance-id")).status).toBe(401);
    expect((await get(ip, t, "spot/instance-action")).status).toBe(404);

    sim.state.interruptSpot(id, 120_000);
    const notice = await get(ip, t, "spot/instance-action");
    expect(notice.status).toBe(200);
    expect(JSON.parse(notice.body)).toEqual({ action: "terminate", time: "2026-12-03T10:22:00Z" });
    expect((await get(other, (await token(other)).body, "spot/instance-action")).status).toBe(404);

    await clock.advance(60_000);
    const during = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    expect(during.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe("running");
    await clock.advance(60_000);
    const after = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]
      ?.Instances?.[0];
    expect(after?.State?.Name).toBe("shutting-down");
    expect(after?.StateReason).toEqual({
      Code: "Server.SpotInstanceTermination",
      Message: "Server.SpotInstanceTermination: Spot instance termination",
    });
    expect(after?.StateTransitionReason).toBe("Service initiated (2026-12-03T10:22:00.000Z)");
    expect(sim.validator?.violations).toEqual([]);
  });
});
