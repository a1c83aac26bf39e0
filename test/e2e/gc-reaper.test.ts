/**
 * gc and the deadline reaper through the real binary, against the DigitalOcean simulator: what a
 * script sees (exit codes, one JSON document on stdout, the hint), and that the reaper runs
 * after an ordinary command that read state.
 */
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openInstanceStore } from "../../src/state/open.ts";
import { runSpuff } from "../helpers/cli.ts";
import { postDroplet } from "../helpers/do-sim-deps.ts";
import { sample } from "../helpers/instances.ts";
import { startUpSim, type UpSim } from "../helpers/up-sim.ts";

let t: UpSim;
beforeEach(async () => {
  t = await startUpSim("gc-e2e");
});
afterEach(() => t.close());

const run = (args: string[]) => runSpuff(args, { configDir: t.dir, env: t.env });

const droplet = (name: string) => postDroplet(t.sim, name);

function save(...records: Parameters<typeof sample>[]) {
  const store = openInstanceStore(path.join(t.dir, "state.db"), Date.now);
  for (const r of records) store.save(sample(...r));
  store.close();
}

describe("spuff gc (binary)", () => {
  it("--dry-run --json lists; without --yes and a terminal exits 2 with the hint; --yes removes", async () => {
    await droplet("stray");
    const dry = await run(["gc", "--dry-run", "--json"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dry_run: true,
      found: [{ kind: "orphan", name: "stray" }],
      results: [],
    });

    const refused = await run(["gc"]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/orphan\s+stray/); // the list is shown before the refusal
    expect(refused.stderr).toContain("--yes");
    expect(t.sim.state.droplets.size).toBe(1);

    const done = await run(["gc", "--yes", "--json"]);
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout).results).toMatchObject([{ name: "stray", outcome: "destroyed" }]);
    expect(t.sim.state.droplets.size).toBe(0);
  });
});

describe("the reaper (binary)", () => {
  it("any command that reads state destroys what is past its deadline, after the command's own output", async () => {
    const id = await droplet("old");
    const past = new Date(Date.now() - 60_000).toISOString();
    save(
      ["old", { providerId: id, status: "ready", deadlineAt: past }],
      ["ok", { status: "ready", deadlineAt: "2999-01-01T00:00:00.000Z" }],
    );
    const list = await run(["list", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    // `list` answered about the state it found, as one JSON document; the reaper ran after it.
    expect((JSON.parse(list.stdout) as { name: string }[]).map((r) => r.name).sort()).toEqual(["ok", "old"]);
    expect(list.stderr).toContain("old reached its max_lifetime deadline");
    expect(t.sim.state.droplets.size).toBe(0);
    const again = await run(["list", "--json"]);
    expect(JSON.parse(again.stdout).map((r: { name: string }) => r.name)).toEqual(["ok"]);
  });
});
