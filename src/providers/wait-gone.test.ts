import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../core/clock.ts";
import { ExitCode } from "../core/errors.ts";
import { type DigitalOceanSim, startDigitalOceanSim } from "../sim/digitalocean/index.ts";
import { createDigitalOceanProvider } from "./digitalocean/index.ts";
import { testRequest } from "./test-request.ts";
import { waitGone } from "./wait-gone.ts";

let sim: DigitalOceanSim;
beforeEach(async () => {
  sim = await startDigitalOceanSim({ activeAfterMs: 0 });
});
afterEach(() => sim.close());

describe("waitGone (against the DigitalOcean simulator)", () => {
  it("resolves once the provider answers 404; times out with what to check while it still exists", async () => {
    const provider = createDigitalOceanProvider({
      token: sim.token,
      env: {},
      baseUrl: sim.url,
      clock: systemClock,
    });
    const place = { region: "fra1", size: "s-2vcpu-4gb" };
    const d = await provider.createInstance(
      testRequest("linger", place, { userData: "#cloud-config\n", labels: {} }),
    );
    // Not destroyed: the provider keeps reporting it, so the bounded wait must fail, and say so.
    const started = Date.now();
    const err = await waitGone(provider, d.id, { clock: systemClock, timeoutMs: 400 }).catch((e) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err).toMatchObject({ exitCode: ExitCode.timeout, details: { provider_id: d.id } });
    expect(err.message).toContain(`still lists instance ${d.id}`);
    expect(err.hint).toContain("console");

    await provider.destroyInstance(d.id);
    await waitGone(provider, d.id, { clock: systemClock, timeoutMs: 400 });
    expect(sim.validator?.violations).toEqual([]);
  });
});
