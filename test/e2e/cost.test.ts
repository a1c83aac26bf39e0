/**
 * `spuff cost` and `up`'s budget refusal through the real binary, against each simulator: the
 * rates printed are the simulators' catalog prices (or the vendored table for what the API does
 * not price), and a refused `up` leaves nothing at the provider and nothing in state.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseMicros } from "../../src/cost/money.ts";
import { VENDORED } from "../../src/cost/vendored.ts";
import { createProvider } from "../../src/providers/registry.ts";
import type { Provider } from "../../src/providers/types.ts";
import { startAwsSim } from "../../src/sim/aws/index.ts";
import { SIZES } from "../../src/sim/digitalocean/catalog.ts";
import { startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { SERVER_TYPES, STORAGE_NET } from "../../src/sim/hetzner/catalog.ts";
import { startHetznerSim } from "../../src/sim/hetzner/index.ts";
import { awsSimEnv } from "../helpers/aws-sim-env.ts";
import { runSpuff } from "../helpers/cli.ts";
import { startUpSim, type UpSim } from "../helpers/up-sim.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-cost-e2e-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl cost@test";

/** One instance, a snapshot of it and a 10 GB volume, made through spuff's own client against the simulator. */
async function instanceAndSnapshot(p: Provider, region: string, size: string) {
  const i = await p.createInstance({
    name: "costed",
    region,
    size,
    image: { kind: "ubuntu", version: "24.04" },
    userData: "#cloud-config\n",
    labels: {},
    sshPublicKey: KEY,
  });
  await p.waitReady(i.id, { timeoutMs: 10_000 });
  const s = await p.createSnapshot(i.id, "costed-snap");
  if (!p.volumes) throw new Error(`${p.name} has no volumes`);
  const v = await p.volumes.createVolume({ name: "costed-vol", sizeGb: 10, region, instanceId: i.id });
  return { instance: i, snapshot: s, volume: v };
}

interface Item {
  kind: string;
  id: string;
  rate: { known: boolean; micros: number; per: string; currency: string; source: string };
}

async function costJson(env: Record<string, string>) {
  const r = await runSpuff(["cost", "--json"], { configDir: tempDir(), env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as {
    items: Item[];
    month_to_date: { totals: { currency: string }[] };
    price_lists: unknown[];
  };
}

const micros = (x: string | number) => parseMicros(x) as number;
/** Per GB and month × size, rounded half up to a micro-unit, as done by hand. */
const perMonth = (perGb: string, gb: number) => Math.round(micros(perGb) * gb);

describe("spuff cost --json lists an instance, a volume and a snapshot at the catalog's rates", () => {
  it("digitalocean: droplet from GET /v2/sizes, snapshot from the vendored table", async () => {
    const sim = await startDigitalOceanSim({ activeAfterMs: 0, actionAfterMs: 0 });
    cleanups.push(() => sim.close());
    const env = { DIGITALOCEAN_TOKEN: sim.token, DIGITALOCEAN_API_URL: sim.url };
    const p = await createProvider("digitalocean", { token: sim.token, env });
    const { instance, snapshot, volume } = await instanceAndSnapshot(p, "fra1", "s-2vcpu-4gb");
    const out = await costJson(env);
    const i = out.items.find((x) => x.kind === "instance" && x.id === instance.id);
    const size = SIZES.find((s) => s.slug === "s-2vcpu-4gb");
    expect(i?.rate).toMatchObject({
      known: true,
      micros: micros(size?.price_hourly ?? -1),
      per: "hour",
      currency: "USD",
    });
    const s = out.items.find((x) => x.kind === "snapshot" && x.id === snapshot.id);
    const perGb = VENDORED.digitalocean?.snapshotPerGbMonth?.amount ?? "";
    expect(s?.rate).toMatchObject({ known: true, micros: perMonth(perGb, snapshot.sizeGb), per: "month" });
    expect(s?.rate.source).toContain("docs.digitalocean.com");
    // Volumes: the vendored 0.10 USD per GB-month × 10 GB = 1 USD a month.
    const v = out.items.find((x) => x.kind === "volume" && x.id === volume.id);
    const volGb = VENDORED.digitalocean?.volumePerGbMonth?.amount ?? "";
    expect(v?.rate).toMatchObject({
      known: true,
      micros: perMonth(volGb, 10),
      per: "month",
      currency: "USD",
    });
    expect(v?.rate.micros).toBe(1_000_000);
    expect(v?.rate.source).toContain("docs.digitalocean.com/products/volumes");
    expect(sim.validator?.violations).toEqual([]);
  });

  it("hetzner: server type and snapshot both from GET /pricing, gross, in EUR", async () => {
    const sim = await startHetznerSim({ activeAfterMs: 0, actionAfterMs: 0 });
    cleanups.push(() => sim.close());
    const env = { HCLOUD_TOKEN: sim.token, HCLOUD_ENDPOINT: sim.endpoint };
    const p = await createProvider("hetzner", { token: sim.token, env });
    const { instance, snapshot, volume } = await instanceAndSnapshot(p, "fsn1", "cx22");
    const out = await costJson(env);
    const net = SERVER_TYPES.find((t) => t.name === "cx22")?.hourly.fsn1 ?? -1;
    const i = out.items.find((x) => x.kind === "instance" && x.id === instance.id);
    expect(i?.rate).toMatchObject({
      known: true,
      micros: micros((net * 1.19).toFixed(10)),
      currency: "EUR",
      per: "hour",
    });
    const s = out.items.find((x) => x.kind === "snapshot" && x.id === snapshot.id);
    expect(s?.rate).toMatchObject({
      known: true,
      micros: perMonth((STORAGE_NET.image * 1.19).toFixed(10), snapshot.sizeGb),
      currency: "EUR",
    });
    // Volumes: /pricing's 0.044 EUR net per GB-month, gross × 1.19, × 10 GB = 0.5236 EUR a month.
    const v = out.items.find((x) => x.kind === "volume" && x.id === volume.id);
    expect(v?.rate).toMatchObject({
      known: true,
      micros: perMonth((STORAGE_NET.volume * 1.19).toFixed(10), 10),
      currency: "EUR",
      per: "month",
    });
    expect(v?.rate.micros).toBe(523_600);
    expect(v?.rate.source).toContain("GET /pricing");
    expect(i?.rate.source).toContain("GET /pricing");
    expect(out.month_to_date.totals.map((t) => t.currency)).toEqual(["EUR"]);
    // Traffic is priced from /pricing too (the sim: 1 EUR/TB net): listed, not counted.
    expect(out.price_lists).toContainEqual(
      expect.objectContaining({
        provider: "hetzner",
        traffic_per_tb: expect.objectContaining({ micros: 1_190_000 }),
      }),
    );
    expect(sim.validator?.violations).toEqual([]);
  });

  it("aws: instance and EBS snapshot from the vendored table", async () => {
    const sim = await startAwsSim({ activeAfterMs: 0, actionAfterMs: 0 });
    cleanups.push(() => sim.close());
    const env = awsSimEnv(sim.url);
    const p = await createProvider("aws", { token: undefined, env });
    const { instance, snapshot, volume } = await instanceAndSnapshot(p, "us-east-1", "t3.medium");
    const out = await costJson(env);
    const table = VENDORED.aws;
    const i = out.items.find((x) => x.kind === "instance" && x.id === instance.id);
    const hourly = table?.instances.find((e) => e.size === "t3.medium" && e.region === "us-east-1")?.hourly
      .amount;
    expect(i?.rate).toMatchObject({ known: true, micros: micros(hourly ?? "x"), currency: "USD" });
    const s = out.items.find((x) => x.kind === "snapshot" && x.id === snapshot.id);
    expect(s?.rate).toMatchObject({
      known: true,
      micros: perMonth(table?.snapshotPerGbMonth?.amount ?? "x", snapshot.sizeGb),
      per: "month",
    });
    // Volumes: EBS gp3 at the vendored 0.08 USD per GB-month × 10 GB = 0.80 USD a month.
    const v = out.items.find((x) => x.kind === "volume" && x.id === volume.id);
    expect(v?.rate).toMatchObject({
      known: true,
      micros: perMonth(table?.volumePerGbMonth?.amount ?? "x", 10),
      per: "month",
      currency: "USD",
    });
    expect(v?.rate.micros).toBe(800_000);
    expect(v?.rate.source).toContain("gp3");
  });
});

describe("a budget refusal creates nothing", () => {
  let t: UpSim;
  afterEach(() => t?.close());

  it("max_hourly and monthly: exit 1 with the arithmetic; no droplet, no key, no record", async () => {
    t = await startUpSim("budget");
    const run = (args: string[]) => runSpuff(args, { configDir: t.dir, env: t.env });
    expect((await run(["config", "set", "budget.max_hourly", "0.01"])).code).toBe(0);
    const hourly = await run(["up", "box", "--no-connect", "--size", "s-2vcpu-4gb"]);
    expect(hourly.code).toBe(1);
    expect(hourly.stderr).toContain("s-2vcpu-4gb costs 0.03571 USD/h; budget.max_hourly is 0.01 USD/h");
    expect(hourly.stderr).toContain("--ignore-budget");

    expect((await run(["config", "unset", "budget.max_hourly"])).code).toBe(0);
    expect((await run(["config", "set", "budget.monthly", "0.5"])).code).toBe(0);
    // 24 h (the default max_lifetime) × 0.03571 = 0.85704 > 0.50.
    const monthly = await run(["up", "box", "--no-connect", "--size", "s-2vcpu-4gb"]);
    expect(monthly.code).toBe(1);
    expect(monthly.stderr).toContain("0.85704 USD new s-2vcpu-4gb (0.03571 USD/h × 1d to its max_lifetime)");
    expect(monthly.stderr).toContain("= 0.85704 USD, budget.monthly is 0.50 USD");

    expect(t.sim.state.droplets.size).toBe(0);
    expect(t.sim.state.keys.size).toBe(0);
    const list = await run(["list", "--json"]);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });
});
