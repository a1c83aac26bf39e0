/**
 * The kill-point test: SIGKILL the real `spuff up` binary at many seeded random moments against
 * the DigitalOcean simulator, and after each kill run `spuff gc --yes` without a terminal. The
 * promise under test: no kill leaves a droplet that state does not know about, or a record
 * pointing at nothing, once gc has run.
 *
 * The simulator hands out addresses nothing answers on (test/helpers/silent-backend.ts), so
 * `up` never gets past wait_ssh — and every interesting moment (before the intent record,
 * between it and the create, with the create unanswered, after the id is saved) lies before it. A loopback proxy holds some create responses back after the
 * simulator acted, which widens the "droplet exists, id not yet saved" window so kills land in
 * it; some creates lose their response entirely (reset-after). Replay a run with
 * SPUFF_KILL_SEED=<seed printed on failure>.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../src/sim/faults.ts";
import { runSpuff } from "../helpers/cli.ts";
import { phaseReachTimes, startSpuff } from "../helpers/spuff-process.ts";
import { startUpSim, type UpSim } from "../helpers/up-sim.ts";

const KILLS = 50;
const SEED = Number(process.env.SPUFF_KILL_SEED ?? 20261201);

let t: UpSim;
beforeAll(async () => {
  t = await startUpSim("killpoint");
});
afterAll(() => t?.close());

/** What state and the simulator hold for one instance name, read straight from both. */
function observe(name: string): "nothing" | "intent_only" | "created_unsaved" | "saved" {
  const rec = t.withStore((s) => s.getByName(name));
  const droplet = [...t.sim.state.droplets.values()].some((d) => d.name === name);
  if (!rec) return droplet ? "created_unsaved" : "nothing";
  if (rec.providerId) return "saved";
  return droplet ? "created_unsaved" : "intent_only";
}

const statuses = () => t.withStore((s) => s.list().map((r) => r.status));

describe("kill-point: SIGKILL spuff up anywhere, then spuff gc", () => {
  it(`${KILLS} seeded kills leave no unknown droplet and no record pointing at nothing`, async () => {
    // Calibrate on this machine (median of 3): how long until `up` sends its create, and until
    // it is past it (waiting for SSH).
    const { reachPhase: reachCreate, reachWaitSsh } = await phaseReachTimes(
      (p) => ["up", `kp-probe-${p}`, "--no-connect", "--json"],
      "create_instance",
      { configDir: t.dir, env: t.env },
    );
    expect((await runSpuff(["gc", "--yes"], { configDir: t.dir, env: t.env })).code).toBe(0);
    expect(t.sim.state.droplets.size).toBe(0);

    const random = mulberry32(SEED);
    const seen: Record<string, number> = { nothing: 0, intent_only: 0, created_unsaved: 0, saved: 0 };
    const log: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      const name = `kp-${i}`;
      // A fifth of the kills land before the create (start-up, plan), some around the intent
      // record and the create request, almost half while the create is unanswered (held back
      // 150–600 ms after the simulator acted), the rest after it (id saved, waiting for SSH).
      // Some creates lose their response entirely.
      const slot = random();
      const hold = slot >= 0.35 && slot < 0.8 ? 150 + Math.round(random() * 450) : 0;
      t.proxy.delays.length = 0;
      t.proxy.delays.push(hold);
      if (random() < 0.1)
        t.sim.faults.schedule({ method: "POST", path: "/v2/droplets", fault: "reset-after" });
      const killAt = Math.round(
        slot < 0.2
          ? random() * reachCreate
          : slot < 0.35
            ? reachCreate - 20 + random() * 80
            : slot < 0.8
              ? reachCreate + random() * (hold + 100)
              : reachCreate + random() * (reachWaitSsh - reachCreate + 300),
      );
      const up = startSpuff(["up", name, "--no-connect", "--json"], { configDir: t.dir, env: t.env });
      const timer = setTimeout(() => up.child.kill("SIGKILL"), killAt);
      const r = await up.done;
      clearTimeout(timer);
      const at = observe(name);
      seen[at] = (seen[at] ?? 0) + 1;
      const gc = await runSpuff(["gc", "--yes", "--json"], {
        configDir: t.dir,
        env: t.env,
        timeoutMs: 60_000,
      });
      const what = `seed ${SEED}, kill ${i} at ${killAt} ms (hold ${hold} ms, landed: ${at}, up exit ${r.code ?? r.signal})`;
      log.push(what);
      expect(gc.code, `${what}\ngc: ${gc.stderr}`).toBe(0);
      expect(t.dropletInvariant(), what).toEqual({ unknownDroplets: [], danglingRecords: [] });
      // Nothing is live, so all that may remain is what an `up` that failed on its own (a lost
      // create response) kept for inspection, as its error message says: known, status failed.
      expect(statuses(), what).not.toContain("creating");
      expect(statuses(), what).not.toContain("provisioning");
    }
    console.log(
      `kill-point (seed ${SEED}; create after ${reachCreate} ms, wait_ssh after ${reachWaitSsh} ms):`,
      seen,
    );
    // The kills must have hit the interesting moments, or the test proved little.
    // The window between the intent record and the create request is a few ms: on a loaded host
    // the seeded kills may all miss it, so it counts together with the unanswered create.
    expect((seen.intent_only ?? 0) + (seen.created_unsaved ?? 0), log.join("\n")).toBeGreaterThan(2);
    expect(seen.created_unsaved, log.join("\n")).toBeGreaterThan(0);
    expect(seen.saved, log.join("\n")).toBeGreaterThan(0);
    expect(t.sim.validator?.violations).toEqual([]);
  }, 110_000);
});
