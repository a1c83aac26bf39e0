import { describe, expect, it } from "vitest";
import { runSim } from "./run-sim.ts";

describe("spuff-sim arguments", () => {
  it("starts the DigitalOcean simulator with the given token and rejects unknown kinds", async () => {
    const sim = await runSim(["digitalocean", "--port", "0", "--token", "t0k3n", "--active-after-ms", "10"]);
    try {
      const res = await fetch(`${sim.url}/v2/droplets`, { headers: { authorization: "Bearer t0k3n" } });
      expect(res.status).toBe(200);
    } finally {
      await sim.close();
    }
    await expect(runSim(["nimbus"])).rejects.toThrow(/unknown simulator/);
  });
});
