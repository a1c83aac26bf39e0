/**
 * Ctrl-C/SIGTERM during the real `spuff up` against the DigitalOcean simulator (backend none:
 * the droplet gets an address nothing answers on, so `up` sits in wait_ssh until interrupted).
 * Without a terminal the instance is destroyed and forgotten and spuff exits 130 — also when the
 * signal lands while the create request is still unanswered. On a terminal (a real pty via
 * script(1)) the user is asked, and "keep" leaves the instance known to state.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runSpuff } from "../helpers/cli.ts";
import { spuffOnPty } from "../helpers/pty.ts";
import { phaseEvent, startSpuff } from "../helpers/spuff-process.ts";
import { startUpSim, type UpSim } from "../helpers/up-sim.ts";

let t: UpSim;
beforeEach(async () => {
  t = await startUpSim("up-int");
});
afterEach(() => t.close());

async function stateNames(): Promise<string[]> {
  const list = await runSpuff(["list", "--json"], { configDir: t.dir, env: t.env });
  return (JSON.parse(list.stdout) as { name: string }[]).map((r) => r.name);
}

describe("interrupting spuff up", () => {
  it("SIGINT with --json: destroys the droplet, forgets it, exits 130 with an interrupted event", async () => {
    const up = startSpuff(["up", "int-json", "--no-connect", "--json"], { configDir: t.dir, env: t.env });
    await up.waitForLine(phaseEvent("wait_ssh", "start"));
    expect(t.sim.state.droplets.size).toBe(1);
    up.child.kill("SIGINT");
    const r = await up.done;
    expect(r.code, r.stderr).toBe(130);
    const last = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
    expect(last).toMatchObject({
      event: "interrupted",
      signal: "SIGINT",
      name: "int-json",
      choice: "destroy",
    });
    expect(last.destroyed).toMatch(/^\d+$/);
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ error: { code: "cancelled", exit_code: 130 } });
    expect(t.sim.state.droplets.size).toBe(0);
    expect(await stateNames()).toEqual([]);
  }, 30_000);

  it("SIGTERM while the create is unanswered: waits for its id, then destroys it (plain output)", async () => {
    t.proxy.delays.push(1500);
    const up = startSpuff(["up", "int-create", "--no-connect"], { configDir: t.dir, env: t.env });
    for (let i = 0; i < 100 && t.sim.state.droplets.size === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(t.sim.state.droplets.size).toBe(1); // created at the provider; the response is held back
    up.child.kill("SIGTERM");
    const r = await up.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain("int-create was destroyed and forgotten");
    expect(t.sim.state.droplets.size).toBe(0);
    expect(await stateNames()).toEqual([]);
    expect(t.sim.validator?.violations).toEqual([]);
  }, 30_000);

  it("on a terminal it asks; choosing keep leaves the droplet known to state (status failed)", async () => {
    const pty = spuffOnPty(["up", "int-tty", "--no-connect"], { configDir: t.dir, env: t.env });
    try {
      const created = () => [...t.sim.state.droplets.values()].some((d) => d.name === "int-tty");
      await pty.until(created, "droplet created");
      await new Promise((r) => setTimeout(r, 300)); // into wait_ssh, the id saved
      pty.type("\x03"); // Ctrl-C on the terminal: SIGINT from the line discipline
      await pty.until((s) => s.includes("What should happen"), "the question");
      pty.type("\x1b[B"); // down: "Keep it"
      await new Promise((r) => setTimeout(r, 200));
      pty.type("\r");
      expect(await pty.exited).toBe(130);
    } finally {
      pty.kill();
    }
    expect(pty.screen()).toContain("int-tty is kept");
    expect(t.sim.state.droplets.size).toBe(1);
    const list = await runSpuff(["list", "--json"], { configDir: t.dir, env: t.env });
    expect(JSON.parse(list.stdout)).toMatchObject([{ name: "int-tty", status: "failed" }]);
  }, 40_000);
});
