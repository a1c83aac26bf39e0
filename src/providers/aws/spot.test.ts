/**
 * The AWS provider's spot side against the EC2 simulator (model-validated): a spot launch with
 * and without a cap, the current spot price, a cap under it refused with a next step, and the
 * reason EC2 gives after reclaiming the instance.
 */
import { describe, expect, it } from "vitest";
import { closeAfterEach } from "../../../test/helpers/close-after-each.ts";
import { awsOnSim } from "../../../test/helpers/sim-providers.ts";
import { FakeClock } from "../../core/clock.ts";
import { type AwsSim, startAwsSim } from "../../sim/aws/index.ts";
import { spotPriceAt } from "../../sim/aws/spot.ts";
import { ProviderError } from "../errors.ts";
import { testRequest } from "../test-request.ts";
import type { Provider } from "../types.ts";

const REGION = "eu-central-1";
const T0 = Date.parse("2026-12-03T10:20:00Z");
const track = closeAfterEach<AwsSim>();

async function setup(): Promise<{ sim: AwsSim; provider: Provider; clock: FakeClock }> {
  const clock = new FakeClock(T0);
  const sim = track(await startAwsSim({ clock, activeAfterMs: 0, strict: true }));
  const provider = await awsOnSim(sim, {
    clock,
    region: REGION,
    retry: { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 1 },
  });
  return { sim, provider, clock };
}

const request = (name: string, spot?: { maxPrice?: string }) =>
  testRequest(
    name,
    { region: REGION, size: "t3.medium" },
    { userData: "#cloud-config\n", ...(spot ? { spot } : {}) },
  );

describe("aws provider: spot", () => {
  it("launches one-time spot instances (capped or not) and says they are spot", async () => {
    const { sim, provider } = await setup();
    const capped = await provider.createInstance(request("spot-capped", { maxPrice: "0.05" }));
    const open = await provider.createInstance(request("spot-open", {}));
    const plain = await provider.createInstance(request("on-demand"));
    const sims = [capped, open, plain].map((i) => sim.state.instances.get(i.id.split("/")[1] ?? ""));
    expect(sims.map((i) => i?.spot?.maxPrice ?? (i?.spot ? "on-demand cap" : "not spot"))).toEqual([
      "0.05",
      "on-demand cap",
      "not spot",
    ]);
    expect([capped.spot, open.spot, plain.spot]).toEqual([true, true, undefined]);
    expect((await provider.getInstance(capped.id))?.spot).toBe(true);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("the current spot price is the cheapest zone's price in force now, from the catalog", async () => {
    const { sim, provider } = await setup();
    const hour = Date.parse("2026-12-03T10:00:00Z");
    expect(await provider.spotPrice?.(REGION, "t3.medium")).toEqual({
      amount: spotPriceAt(`${REGION}a`, "t3.medium", hour),
      currency: "USD",
      zone: `${REGION}a`,
      since: "2026-12-03T10:00:00.000Z",
    });
    expect(await provider.spotPrice?.(REGION, "m5.large")).toBeUndefined();
    expect(sim.validator?.violations).toEqual([]);
  });

  it("a cap under the spot price is refused before anything runs, with the next step", async () => {
    const { sim, provider } = await setup();
    const err = await provider.createInstance(request("too-cheap", { maxPrice: "0.0001" })).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.kind).toBe("invalid_config");
    expect(err.message).toMatch(/SpotMaxPriceTooLow/);
    expect(err.hint).toMatch(/aws\.spot_max_price/);
    expect(sim.state.instances.size).toBe(0);
  });

  it("after AWS reclaims it: gone, and the reason says so", async () => {
    const { sim, provider, clock } = await setup();
    const made = await provider.createInstance(request("reclaimed", {}));
    const plain = await provider.createInstance(request("terminated"));
    expect(await provider.endReason?.(made.id)).toBeUndefined();
    sim.state.interruptSpot(made.id.split("/")[1] ?? "", 120_000);
    await clock.advance(120_000);
    await provider.destroyInstance(plain.id);
    expect(await provider.getInstance(made.id)).toBeUndefined();
    expect(await provider.endReason?.(made.id)).toEqual({
      kind: "reclaimed",
      code: "Server.SpotInstanceTermination",
      message: "Server.SpotInstanceTermination: Spot instance termination",
    });
    expect((await provider.endReason?.(plain.id))?.kind).toBe("other");
    expect(sim.validator?.violations).toEqual([]);
  });
});
