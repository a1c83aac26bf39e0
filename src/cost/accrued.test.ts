/**
 * `list`, `status` and `gc` against the Hetzner simulator: the rate and cost so far beside each
 * instance (cx22 in fsn1: 0.00714 EUR/h gross; 10 h = 0.0714 EUR), and a powered-off server
 * flagged as still billed, with its rate.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sample } from "../../test/helpers/instances.ts";
import { hetznerOnSim } from "../../test/helpers/sim-providers.ts";
import { createDeps } from "../cli/deps.ts";
import { runGc } from "../commands/gc.ts";
import { runList } from "../commands/list.ts";
import { runStatus } from "../commands/status.ts";
import { FakeClock } from "../core/clock.ts";
import { createTestIO } from "../core/io.ts";
import { testRequest } from "../providers/test-request.ts";
import { type HetznerSim, startHetznerSim } from "../sim/hetzner/index.ts";

const H = 3_600_000;
const created = Date.parse("2026-12-03T00:00:00.000Z");
let dir: string;
let sim: HetznerSim;
let serverId: string;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-accrued-"));
  sim = await startHetznerSim({ activeAfterMs: 0, actionAfterMs: 0 });
  const p = await hetznerOnSim(sim);
  const place = { region: "fsn1", size: "cx22" };
  const s = await p.createInstance(testRequest("eur", place, { userData: "#cloud-config\n", labels: {} }));
  serverId = s.id;
});
afterEach(async () => {
  expect(sim.validator?.violations).toEqual([]);
  await sim.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function deps(json: boolean) {
  const io = createTestIO();
  const env = { SPUFF_CONFIG_DIR: dir, HOME: dir, HCLOUD_TOKEN: sim.token, HCLOUD_ENDPOINT: sim.endpoint };
  const d = createDeps({ io, env, logLevel: "error", json, clock: new FakeClock(created + 10 * H) });
  return { d, io };
}

async function remember() {
  const { d } = deps(false);
  const store = await d.state();
  store.save(
    sample("eur", {
      provider: "hetzner",
      providerId: serverId,
      region: "fsn1",
      size: "cx22",
      status: "ready",
      createdAt: new Date(created).toISOString(),
    }),
  );
  d.close();
}

async function powerOff() {
  const res = await fetch(`${sim.endpoint}/servers/${serverId}/actions/poweroff`, {
    method: "POST",
    headers: { authorization: `Bearer ${sim.token}` },
  });
  expect(res.status).toBe(201);
}

describe("accrued cost and billing while off", () => {
  it("plain list: unknown until prices were read (no network), then rate and cost from the cache", async () => {
    await remember();
    const first = deps(false);
    await runList(first.d);
    expect(first.io.stdout()).toMatch(/eur\s.*unknown\s+unknown/);
    first.d.close();
    const live = deps(true);
    await runList(live.d, { live: true });
    const [row] = JSON.parse(live.io.stdout());
    expect(row.rate).toMatchObject({ micros: 7_140, per: "hour", currency: "EUR", net_micros: 6_000 });
    expect(row.accrued).toEqual({ micros: 71_400, currency: "EUR", text: "0.0714 EUR" });
    expect(row.billed_while_off).toBeNull();
    live.d.close();
    const again = deps(false);
    await runList(again.d);
    expect(again.io.stdout()).toMatch(/0\.00714 EUR\/h\s+0\.0714 EUR/);
    again.d.close();
  });

  it("a powered-off server: list --live, status and gc say it is still billed, at its rate", async () => {
    await remember();
    await powerOff();
    const list = deps(false);
    await runList(list.d, { live: true });
    expect(list.io.stdout()).toContain("off (powered off, still billed at 0.00714 EUR/h)");
    list.d.close();

    const status = deps(false);
    await runStatus(status.d, "eur", { local: false });
    expect(status.io.stdout()).toMatch(
      /Billing\s+powered off, still billed at 0\.00714 EUR\/h: `spuff down eur` ends it/,
    );
    expect(status.io.stdout()).toMatch(/Cost so far\s+0\.0714 EUR/);
    status.d.close();

    const gc = deps(true);
    await runGc(gc.d, { dryRun: true });
    expect(JSON.parse(gc.io.stdout()).found).toEqual([
      expect.objectContaining({ kind: "powered_off", reason: "powered off, still billed at 0.00714 EUR/h" }),
    ]);
    gc.d.close();
  });
});
