/**
 * An AWS spot machine taken back, on a real nspawn machine behind the EC2 simulator (its guest
 * reaches the simulator's API and metadata service from its own 127.0.0.N): `up --spot` shows
 * the spot price and launches a spot instance; AWS's interruption notice appears in the
 * metadata service; the agent on the VM warns the user logged in on a terminal, runs the
 * project's pre_down hook and reports it; when the notice's time has come EC2 terminates the
 * instance and `spuff status` says AWS reclaimed it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { machineLayout } from "../../src/machines/layout.ts";
import { HOST_FROM_GUEST } from "../../src/machines/slirp.ts";
import { startAwsSim } from "../../src/sim/aws/index.ts";
import { spotPriceAt, ZONES } from "../../src/sim/aws/spot.ts";
import { realMachineBackend } from "../../src/sim/machine-backend.ts";
import { hostAlias } from "../../src/ssh/ssh-config.ts";
import { awsSimEnv } from "../helpers/aws-sim-env.ts";
import { runSpuff } from "../helpers/cli.ts";
import { initJourney, newJourney } from "../helpers/journey.ts";
import { leftovers, NOTHING_LEFT, removeDataDirs, runMachineSuites } from "../helpers/machines.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 500,
): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await cond()) return true;
    await sleep(stepMs);
  }
  return cond();
}

/** Long enough for the agent's 5 s poll, the warning and the hook; short enough for a test. */
const NOTICE_MS = 45_000;

describe.runIf(runMachineSuites)("AWS spot interruption on a real machine (EC2 simulator, nspawn)", () => {
  const dirs: string[] = [];
  afterAll(() => removeDataDirs(dirs));

  it("up --spot → notice → the user's terminal warned, pre_down ran, status says AWS reclaimed it", async () => {
    const j = newJourney("spot");
    dirs.push(j.dir);
    const sim = await startAwsSim({
      activeAfterMs: 200,
      backend: realMachineBackend({ driver: "nspawn", dataDir: j.dir }),
    });
    let session: ChildProcess | undefined;
    try {
      Object.assign(j.env, awsSimEnv(sim.url), {
        SPUFF_AGENT_METADATA_URL: sim.metadataUrl.replace("127.0.0.1", HOST_FROM_GUEST),
      });
      await initJourney(j, "aws");
      const proj = path.join(j.dir, "project");
      fs.mkdirSync(proj);
      fs.writeFileSync(
        path.join(proj, "spuff.yaml"),
        [
          "name: spot-box",
          "hooks:",
          '  pre_down: echo "pre_down ran as $(id -un) in $PWD" > ~/pre-down.ran',
        ].join("\n"),
      );
      const run = (args: string[], timeoutMs = 60_000) =>
        runSpuff(args, { configDir: j.dir, env: j.env, timeoutMs, cwd: proj });
      expect((await run(["trust", proj])).code).toBe(0);

      // The simulator's prices vary by hour, so which zone is cheapest depends on when the test runs.
      const zonesBefore = cheapestZones(Date.now());
      const dry = await run(["up", "--spot", "--dry-run", "--json"]);
      expect(dry.code, dry.stderr).toBe(0);
      const plan = JSON.parse(dry.stdout);
      const zones = new Set([...zonesBefore, ...cheapestZones(Date.now())]);
      expect(zones).toContain(plan.spot?.price?.zone);
      expect(plan.spot).toMatchObject({
        max_price: null,
        price: { currency: "USD" },
        // t3.medium in us-east-1 from spuff's vendored on-demand table.
        on_demand: { amount: "0.0416", currency: "USD" },
      });
      expect(sim.state.instances.size).toBe(0);

      const up = await run(["up", "--spot", "--no-connect"], 400_000);
      expect(up.code, up.stderr).toBe(0);
      const upZone = /spot: 0\.\d+ USD\/hour in (us-east-1[abc]) .*on-demand: 0\.0416 USD\/hour/.exec(
        up.stderr,
      )?.[1];
      expect([...zones, ...cheapestZones(Date.now())], up.stderr).toContain(upZone);
      const [instance] = [...sim.state.instances.values()];
      expect(instance?.spot?.requestId).toMatch(/^sir-/);

      // A user logged in on a terminal (plain OpenSSH through spuff's ssh_config, -tt).
      session = spawn(
        "ssh",
        [
          "-tt",
          "-F",
          path.join(j.env.SPUFF_CONFIG_DIR as string, "ssh_config"),
          "-o",
          "BatchMode=yes",
          hostAlias("spot-box"),
        ],
        {
          stdio: ["pipe", "pipe", "pipe"],
        },
      );
      let screen = "";
      session.stdout?.on("data", (d) => (screen += d));
      session.stderr?.on("data", (d) => (screen += d));
      session.stdin?.write("tty\n");
      expect(await until(() => /\/dev\/pts\/\d+/.test(screen), 20_000, 200), screen).toBe(true);

      const notice = sim.state.interruptSpot(instance?.id ?? "", NOTICE_MS);
      const noticedAt = Date.now();
      expect(await until(() => screen.includes("AWS is reclaiming"), 20_000, 200), screen).toBe(true);
      console.log(`warning on the user's terminal ${Date.now() - noticedAt} ms after the notice`);
      expect(screen).toContain(
        `this spot machine at ${new Date(notice.at).toISOString().replace(/\.\d{3}Z$/, "Z")}`,
      );

      const agentReport = async () => {
        const s = await run(["status", "spot-box", "--json"]);
        return JSON.parse(s.stdout).agent?.status?.spot_interruption;
      };
      expect(await until(async () => (await agentReport())?.pre_down?.status === "done", 25_000, 1000)).toBe(
        true,
      );
      expect(
        await until(() => screen.includes("spuff: the pre_down hook finished."), 10_000, 200),
        screen,
      ).toBe(true);
      const ran = await run(["exec", "spot-box", "--", "cat", "/home/dev/pre-down.ran"]);
      expect(ran.stdout).toMatch(/^pre_down ran as dev in \/home\/dev(\/workspace)?\n$/);
      expect((await run(["status", "spot-box"])).stdout).toMatch(
        /Spot\s+AWS is reclaiming it \(terminate at/,
      );

      // The notice's time passes: EC2 terminates the instance, and says why.
      await sleep(Math.max(0, notice.at - Date.now() + 1000));
      const after = await run(["status", "spot-box", "--json"]);
      expect(JSON.parse(after.stdout).provider).toEqual({
        exists: false,
        reclaimed: true,
        end_reason: {
          code: "Server.SpotInstanceTermination",
          message: "Server.SpotInstanceTermination: Spot instance termination",
        },
      });
      const human = await run(["status", "spot-box"]);
      expect(human.stdout).toMatch(/At provider\s+gone: reclaimed by AWS \(spot interruption/);
      expect(sim.validator?.violations).toEqual([]);
      expect(await until(() => leftovers(machineLayout(j.dir)).machineDirs.length === 0, 30_000)).toBe(true);
    } finally {
      session?.kill();
      await sim.close();
    }
    expect(leftovers(machineLayout(j.dir))).toEqual(NOTHING_LEFT);
  }, 600_000);
});

/** The zone(s) whose simulated t3.medium spot price is lowest in the hour of `at`. */
function cheapestZones(at: number): string[] {
  const prices = ZONES.map((z) => ({
    zone: `us-east-1${z}`,
    price: Number(spotPriceAt(`us-east-1${z}`, "t3.medium", at)),
  }));
  const low = Math.min(...prices.map((p) => p.price));
  return prices.filter((p) => p.price === low).map((p) => p.zone);
}
