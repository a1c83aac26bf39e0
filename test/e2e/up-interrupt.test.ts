/**
 * Ctrl-C/SIGTERM during the real `spuff up` against the DigitalOcean simulator (backend none:
 * the droplet gets an address nothing answers on, so `up` sits in wait_ssh until interrupted).
 * Without a terminal the instance is destroyed and forgotten and spuff exits 130 — also when the
 * signal lands while the create request is still unanswered. On a terminal (a real pty via
 * script(1)) the user is asked, and "keep" leaves the instance known to state.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DigitalOceanSim, startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { runSpuff, SPUFF_BIN } from "../helpers/cli.ts";
import { type DelayProxy, startDelayProxy } from "../helpers/delay-proxy.ts";
import { silentBackend } from "../helpers/silent-backend.ts";
import { phaseEvent, startSpuff } from "../helpers/spuff-process.ts";
import { generateKeyPair } from "../helpers/sshd.ts";

let dir: string;
let sim: DigitalOceanSim;
let proxy: DelayProxy;
let env: Record<string, string>;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-up-int-"));
  sim = await startDigitalOceanSim({ activeAfterMs: 0, backend: silentBackend() });
  proxy = await startDelayProxy(sim.url, (m, p) => m === "POST" && p === "/v2/droplets");
  env = { DIGITALOCEAN_TOKEN: sim.token, DIGITALOCEAN_API_URL: proxy.url };
  generateKeyPair(path.join(dir, "id_ed25519"));
  const init = await runSpuff(
    ["init", "--defaults", "--provider", "digitalocean", "--ssh-key", path.join(dir, "id_ed25519")],
    { configDir: dir, env },
  );
  expect(init.code, init.stderr).toBe(0);
});

afterEach(async () => {
  await proxy.close();
  await sim.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function stateNames(): Promise<string[]> {
  const list = await runSpuff(["list", "--json"], { configDir: dir, env });
  return (JSON.parse(list.stdout) as { name: string }[]).map((r) => r.name);
}

describe("interrupting spuff up", () => {
  it("SIGINT with --json: destroys the droplet, forgets it, exits 130 with an interrupted event", async () => {
    const up = startSpuff(["up", "int-json", "--no-connect", "--json"], { configDir: dir, env });
    await up.waitForLine(phaseEvent("wait_ssh", "start"));
    expect(sim.state.droplets.size).toBe(1);
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
    expect(sim.state.droplets.size).toBe(0);
    expect(await stateNames()).toEqual([]);
  }, 30_000);

  it("SIGTERM while the create is unanswered: waits for its id, then destroys it (plain output)", async () => {
    proxy.delays.push(1500);
    const up = startSpuff(["up", "int-create", "--no-connect"], { configDir: dir, env });
    for (let i = 0; i < 100 && sim.state.droplets.size === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(sim.state.droplets.size).toBe(1); // created at the provider; the response is held back
    up.child.kill("SIGTERM");
    const r = await up.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain("int-create was destroyed and forgotten");
    expect(sim.state.droplets.size).toBe(0);
    expect(await stateNames()).toEqual([]);
    expect(sim.validator?.violations).toEqual([]);
  }, 30_000);

  it("on a terminal it asks; choosing keep leaves the droplet known to state (status failed)", async () => {
    // script(1) gives spuff a real pty; Ctrl-C typed into it is the terminal's SIGINT.
    // A pty from script(1) starts at 0×0; give it a size so the prompt lays out as on a terminal.
    const cmd = `stty cols 120 rows 40; exec ${process.execPath} ${SPUFF_BIN} up int-tty --no-connect`;
    const child = spawn("script", ["-qfec", cmd, "/dev/null"], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: dir,
        SPUFF_CONFIG_DIR: dir,
        SPUFF_DATA_DIR: path.join(dir, "data"),
        TERM: "xterm",
        ...env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let screen = "";
    child.stdout.on("data", (d) => (screen += d));
    const until = async (pred: () => boolean, what: string) => {
      for (let i = 0; i < 300 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(pred(), `${what}; screen so far:\n${screen}`).toBe(true);
    };
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await until(
        () => [...sim.state.droplets.values()].some((d) => d.name === "int-tty"),
        "droplet created",
      );
      await new Promise((r) => setTimeout(r, 300)); // into wait_ssh, the id saved
      child.stdin.write("\x03");
      await until(() => screen.includes("What should happen"), "the question");
      child.stdin.write("\x1b[B"); // down: "Keep it"
      await new Promise((r) => setTimeout(r, 200));
      child.stdin.write("\r");
      expect(await exited).toBe(130);
    } finally {
      child.kill("SIGKILL");
    }
    expect(screen).toContain("int-tty is kept");
    expect(sim.state.droplets.size).toBe(1);
    const list = await runSpuff(["list", "--json"], { configDir: dir, env });
    expect(JSON.parse(list.stdout)).toMatchObject([{ name: "int-tty", status: "failed" }]);
  }, 40_000);
});
