/**
 * Idle teardown on a real machine: the agent spuff installed (running on the image's Node 18)
 * sees no SSH session, no terminal input and no keepalive for the idle timeout, and powers the
 * machine off; the local provider then reports it off and `spuff local gc` removes what remains.
 * The timeout and the agent's tick are shortened on the VM so the test takes seconds.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MachineEngine } from "../../src/machines/engine.ts";
import { machineLayout } from "../../src/machines/layout.ts";
import { startAwsSim } from "../../src/sim/aws/index.ts";
import { realMachineBackend } from "../../src/sim/machine-backend.ts";
import { awsSimEnv } from "../helpers/aws-sim-env.ts";
import { runSpuff } from "../helpers/cli.ts";
import { leftovers, NOTHING_LEFT, runMachineSuites, tempDataDir } from "../helpers/machines.ts";
import { generateKeyPair } from "../helpers/sshd.ts";

// 8 s idle timeout, 1 s ticks, CPU signal off: rewritten on the VM, then the agent restarted in the background
// so the SSH session that does it ends before the agent starts watching.
const SHORTEN_IDLE = [
  'sudo -n sed -i \'s/"idle_timeout_seconds": [0-9]*/"idle_timeout_seconds": 8/\' /etc/spuff/agent.json',
  // A container's agent sees the host's CPU: a busy test host must not count as activity here.
  "printf 'SPUFF_AGENT_TICK_SECONDS=1\\nSPUFF_AGENT_CPU_THRESHOLD=101\\n' | sudo -n tee -a /etc/spuff/agent.env >/dev/null",
  "sudo -n systemd-run --on-active=1 systemctl restart spuff-agent.service >/dev/null",
].join(" && ");

describe.runIf(runMachineSuites)("agent idle teardown on a real local machine", () => {
  const dir = tempDataDir("idle");
  afterAll(async () => {
    const engine = new MachineEngine({ layout: machineLayout(dir) });
    for (const m of engine.list()) await engine.destroy(m.id);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("powers itself off after the idle timeout; gc then leaves nothing", async () => {
    generateKeyPair(path.join(dir, "id_ed25519"));
    const env = { SPUFF_DATA_DIR: dir, SPUFF_CONFIG_DIR: path.join(dir, "cfg") };
    const run = (args: string[], timeoutMs = 60_000) => runSpuff(args, { configDir: dir, env, timeoutMs });
    await run(["init", "--defaults", "--provider", "local", "--ssh-key", path.join(dir, "id_ed25519")]);
    const up = await run(["up", "idle", "--no-connect"], 300_000);
    expect(up.code, up.stderr).toBe(0);

    const node = await run(["exec", "idle", "--", "node", "--version"]);
    expect(node.stdout).toMatch(/^v18\./);

    expect((await run(["exec", "idle", "--", "sh", "-c", SHORTEN_IDLE])).code).toBe(0);

    const engine = new MachineEngine({ layout: machineLayout(dir) });
    const [machine] = engine.list();
    expect(machine && engine.isRunning(machine)).toBe(true);
    const started = Date.now();
    while (machine && engine.isRunning(machine) && Date.now() - started < 90_000) {
      await new Promise((r) => setTimeout(r, 500));
    }
    const stoppedAfterMs = Date.now() - started;
    console.log(`idle machine stopped itself ${stoppedAfterMs} ms after the agent restart was scheduled`);
    expect(machine && engine.isRunning(machine)).toBe(false);
    expect(stoppedAfterMs).toBeGreaterThan(5000); // not before the idle timeout

    const gc = await run(["local", "gc", "--json"]);
    expect(JSON.parse(gc.stdout).machines).toEqual([machine?.id]);
    expect(leftovers(machineLayout(dir))).toEqual(NOTHING_LEFT);
  }, 400_000);
});

describe.runIf(runMachineSuites)("AWS: the agent's poweroff terminates the instance", () => {
  const dir = tempDataDir("idle-aws");
  afterAll(async () => {
    const engine = new MachineEngine({ layout: machineLayout(dir) });
    for (const m of engine.list()) await engine.destroy(m.id);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("EC2 simulator + nspawn: idle poweroff → instance terminated (shutdown behaviour), no machine left", async () => {
    const sim = await startAwsSim({
      activeAfterMs: 200,
      backend: realMachineBackend({ driver: "nspawn", dataDir: dir }),
    });
    try {
      generateKeyPair(path.join(dir, "id_ed25519"));
      const env = { SPUFF_DATA_DIR: dir, SPUFF_CONFIG_DIR: path.join(dir, "cfg"), ...awsSimEnv(sim.url) };
      const run = (args: string[], timeoutMs = 60_000) => runSpuff(args, { configDir: dir, env, timeoutMs });
      await run(["init", "--defaults", "--provider", "aws", "--ssh-key", path.join(dir, "id_ed25519")]);
      const up = await run(["up", "idle-aws", "--no-connect"], 300_000);
      expect(up.code, up.stderr).toBe(0);
      expect((await run(["exec", "idle-aws", "--", "sh", "-c", SHORTEN_IDLE])).code).toBe(0);

      const [instance] = [...sim.state.instances.values()];
      const started = Date.now();
      while (instance?.ended?.to !== "terminated" && Date.now() - started < 120_000) {
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(instance?.ended).toMatchObject({ to: "terminated", reason: "Client.InstanceInitiatedShutdown" });
      const status = await run(["status", "idle-aws", "--json"]);
      expect(providerState(JSON.parse(status.stdout))).toBe("gone");
      expect(sim.validator?.violations).toEqual([]);
    } finally {
      await sim.close();
    }
    expect(leftovers(machineLayout(dir))).toEqual(NOTHING_LEFT);
  }, 400_000);
});

function providerState(status: { provider?: { exists: boolean; status?: string } }): string {
  if (!status.provider?.exists) return "gone";
  return status.provider.status ?? "unknown";
}
