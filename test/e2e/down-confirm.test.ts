/**
 * `spuff down` asks on a terminal (a real pty via script(1)): "no" keeps the droplet and the
 * record (exit 130, the project's code for a declined confirmation), "yes" destroys it, waits
 * until the DigitalOcean simulator answers 404, and forgets it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DigitalOceanSim, startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { openInstanceStore } from "../../src/state/open.ts";
import { runSpuff } from "../helpers/cli.ts";
import { sample } from "../helpers/instances.ts";
import { answerOnPty } from "../helpers/pty.ts";

let dir: string;
let sim: DigitalOceanSim;
let env: Record<string, string>;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-down-tty-"));
  sim = await startDigitalOceanSim({ activeAfterMs: 0 });
  env = { DIGITALOCEAN_TOKEN: sim.token, DIGITALOCEAN_API_URL: sim.url };
  const init = await runSpuff(["init", "--defaults", "--provider", "digitalocean"], { configDir: dir, env });
  expect(init.code, init.stderr).toBe(0);
  const res = await fetch(`${sim.url}/v2/droplets`, {
    method: "POST",
    headers: { authorization: `Bearer ${sim.token}`, "content-type": "application/json" },
    body: JSON.stringify({
      name: "box",
      region: "nyc1",
      size: "s-2vcpu-4gb",
      image: "ubuntu-24-04-x64",
      tags: ["spuff"],
    }),
  });
  const id = String(((await res.json()) as { droplet: { id: number } }).droplet.id);
  const store = openInstanceStore(path.join(dir, "state.db"), () => Date.now());
  store.save(sample("box", { providerId: id, status: "ready" }));
  store.close();
});

afterEach(async () => {
  await sim.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `spuff down box` on a pty; `answer` is typed once the question is on the screen. */
function downOnTty(answer: string): Promise<{ code: number | null; screen: string }> {
  return answerOnPty(["down", "box"], { configDir: dir, env }, "Destroy box", answer);
}

describe("spuff down on a terminal", () => {
  it("'no' keeps the droplet and the record (exit 130); 'yes' destroys, confirms gone and forgets", async () => {
    const no = await downOnTty("n");
    expect(no.code, no.screen).toBe(130);
    expect(no.screen).toContain("Kept box");
    expect(sim.state.droplets.size).toBe(1);
    const list = await runSpuff(["list", "--json"], { configDir: dir, env });
    expect(JSON.parse(list.stdout)).toMatchObject([{ name: "box", status: "ready" }]);

    const yes = await downOnTty("y");
    expect(yes.code, yes.screen).toBe(0);
    expect(yes.screen).toContain("Destroyed box");
    expect(sim.state.droplets.size).toBe(0);
    const after = await runSpuff(["list", "--json"], { configDir: dir, env });
    expect(JSON.parse(after.stdout)).toEqual([]);
    expect(sim.validator?.violations).toEqual([]);
  }, 60_000);
});
