/** `spuff cost` and `up`'s budget check as commands, against the simulators (in process). */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sample } from "../../test/helpers/instances.ts";
import { doOnSim, hetznerOnSim } from "../../test/helpers/sim-providers.ts";
import { createDeps } from "../cli/deps.ts";
import { FakeClock } from "../core/clock.ts";
import { createTestIO } from "../core/io.ts";
import { testRequest } from "../providers/test-request.ts";
import { type DigitalOceanSim, startDigitalOceanSim } from "../sim/digitalocean/index.ts";
import { type HetznerSim, startHetznerSim } from "../sim/hetzner/index.ts";
import { runCost } from "./cost.ts";
import { enforceBudget } from "./up-budget.ts";

let dir: string;
const closers: (() => Promise<void>)[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-cost-cmd-"));
});
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  fs.rmSync(dir, { recursive: true, force: true });
});

function deps(env: Record<string, string>, now = Date.now()) {
  const io = createTestIO();
  const d = createDeps({
    io,
    env: { SPUFF_CONFIG_DIR: dir, HOME: dir, ...env },
    logLevel: "error",
    clock: new FakeClock(now),
  });
  closers.push(async () => d.close());
  return { d, io };
}

const FSN1 = { region: "fsn1", size: "cx22" };

async function hetzner(): Promise<HetznerSim> {
  const sim = await startHetznerSim({ activeAfterMs: 0, actionAfterMs: 0 });
  closers.push(() => sim.close());
  return sim;
}

describe("spuff cost", () => {
  it("a snapshot name with terminal escapes from the API is shown without them", async () => {
    const sim = await hetzner();
    const env = { HCLOUD_TOKEN: sim.token, HCLOUD_ENDPOINT: sim.endpoint };
    const p = await hetznerOnSim(sim);
    const s = await p.createInstance(testRequest("esc", FSN1, { userData: "#cloud-config\n", labels: {} }));
    await p.createSnapshot(s.id, "evil\u001b]0;pwned\u0007\u001b[2J");
    const { d, io } = deps(env);
    await runCost(d);
    expect(io.stdout()).toContain("evil\\u001b]0;pwned\\u0007\\u001b[2J");
    expect(io.stdout()).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it("a provider that cannot be listed: the rest is printed, then a non-zero exit naming it", async () => {
    const sim = await hetzner();
    const other = await startDigitalOceanSim({ activeAfterMs: 0 });
    closers.push(() => other.close());
    // A DigitalOcean token the API refuses (401: no retry).
    const { d, io } = deps({
      HCLOUD_TOKEN: sim.token,
      HCLOUD_ENDPOINT: sim.endpoint,
      DIGITALOCEAN_TOKEN: "not-the-token",
      DIGITALOCEAN_API_URL: other.url,
    });
    fs.writeFileSync(path.join(dir, "config.yaml"), "provider: hetzner\n", { mode: 0o600 });
    await expect(runCost(d)).rejects.toMatchObject({ code: "cost_incomplete", message: /digitalocean/ });
    expect(io.stdout()).toContain("Month to date");
  });
});

describe("up's budget check (enforceBudget)", () => {
  let sim: DigitalOceanSim;
  beforeEach(async () => {
    sim = await startDigitalOceanSim({ activeAfterMs: 0 });
    closers.push(() => sim.close());
  });

  const target = (now: number) => ({
    name: "box",
    provider: "digitalocean",
    region: "fra1",
    size: "s-2vcpu-4gb",
    createdAt: new Date(now - 5000).toISOString(),
    deadlineAt: new Date(now - 5000 + 24 * 3_600_000).toISOString(),
  });

  it("--ignore-budget goes ahead and says so; without it, the refusal", async () => {
    const now = Date.parse("2026-12-03T12:00:00.000Z");
    const env = { DIGITALOCEAN_TOKEN: sim.token, DIGITALOCEAN_API_URL: sim.url };
    const { d, io } = deps(env, now);
    const provider = await doOnSim(sim);
    const store = await d.state();
    const budget = { budget: { monthlyMicros: 500_000 } };
    await expect(enforceBudget(d, budget, target(now), provider, store, false)).rejects.toMatchObject({
      code: "over_budget",
      message: expect.stringContaining("= 0.85704 USD, budget.monthly is 0.50 USD"),
      hint: expect.stringContaining("--ignore-budget"),
    });
    await enforceBudget(d, budget, target(now), provider, store, true);
    expect(io.stderr()).toMatch(
      /^Budget ignored \(--ignore-budget\): This month's spend would pass budget.monthly/,
    );
    expect(sim.state.droplets.size).toBe(0);
  });

  it("month-to-date from history counts a machine already destroyed this month", async () => {
    const env = { DIGITALOCEAN_TOKEN: sim.token, DIGITALOCEAN_API_URL: sim.url };
    // Ran 1 December 00:00 → 2 December 04:00 (28 h × 0.03571 = 0.99988 USD), then forgotten.
    const { d, io } = deps(env, Date.parse("2026-12-02T04:00:00.000Z"));
    const store = await d.state();
    const gone = store.save(sample("gone", { providerId: "9", createdAt: "2026-12-01T00:00:00.000Z" }));
    store.remove(gone.id);
    const now = Date.parse("2026-12-03T12:00:00.000Z");
    await (d.clock as FakeClock).advance(now - d.clock.now());
    const provider = await doOnSim(sim);
    await enforceBudget(d, { budget: { monthlyMicros: 2_000_000 } }, target(now), provider, store, false);
    // 0.99988 + 0.85704 = 1.85692 of 2.00: allowed, with the 80 % warning and its sum.
    expect(io.stderr()).toContain("0.99988 USD spent this month");
    expect(io.stderr()).toContain("= 1.85692 USD, budget.monthly is 2.00 USD");
    expect(io.stderr()).toContain("92 % of budget.monthly");
  });

  it("Hetzner: the new server is counted with its primary IPv4 (0.00714 + 0.000952 EUR/h)", async () => {
    const hz = await hetzner();
    const now = Date.parse("2026-12-03T12:00:00.000Z");
    const env = { HCLOUD_TOKEN: hz.token, HCLOUD_ENDPOINT: hz.endpoint };
    const { d } = deps(env, now);
    const provider = await hetznerOnSim(hz);
    const t = { ...target(now), provider: "hetzner", region: "fsn1", size: "cx22" };
    await expect(
      enforceBudget(d, { budget: { maxHourlyMicros: 8_000 } }, t, provider, await d.state(), false),
    ).rejects.toMatchObject({
      message: expect.stringContaining(
        "cx22 with its public IPv4 costs 0.008092 EUR/h; budget.max_hourly is 0.008 EUR/h",
      ),
    });
    expect(hz.state.servers.size).toBe(0);
  });
});
