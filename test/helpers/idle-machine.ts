/**
 * Shared by the idle-teardown and unsaved-work e2e files: make a real machine's agent testable
 * (1 s tick, CPU signal off), read its /idle from inside its network namespace (no SSH, so no
 * activity), and find the only machine of a data dir.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { MachineEngine } from "../../src/machines/engine.ts";
import { machineLayout } from "../../src/machines/layout.ts";
import { descendantInOtherNetns } from "../../src/machines/procs.ts";
import type { MachineRecord } from "../../src/machines/types.ts";

// The configured idle_timeout stays (60 s); only the tick (1 s) and the CPU signal (off: a
// container sees the host's CPU) change, then the agent restarts in the background so the SSH
// session that does it has ended before the agent starts watching.
export const TESTABLE_IDLE = [
  "printf 'SPUFF_AGENT_TICK_SECONDS=1\\nSPUFF_AGENT_CPU_THRESHOLD=101\\n' | sudo -n tee -a /etc/spuff/agent.env >/dev/null",
  // A transient timer's default AccuracySec (1 min) fired it 15–17 s late here: ask for 100 ms.
  "sudo -n systemd-run --on-active=1 --timer-property=AccuracySec=100ms systemctl restart spuff-agent.service >/dev/null",
].join(" && ");
// 8 s idle timeout on top of that, for the quick tests.
export const SHORTEN_IDLE = `sudo -n sed -i 's/"idle_timeout_seconds": [0-9]*/"idle_timeout_seconds": 8/' /etc/spuff/agent.json && ${TESTABLE_IDLE}`;

const execFileAsync = promisify(execFile);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, timeoutMs: number, stepMs = 500): Promise<boolean> {
  const started = Date.now();
  while (!cond() && Date.now() - started < timeoutMs) await sleep(stepMs);
  return cond();
}

/**
 * GET on the agent from inside the machine's network namespace (its PID 1's,
 * entered with nsenter), with the token spuff kept: no SSH, so asking is no activity.
 */
export async function agentGet(dir: string, machine: MachineRecord, token: string, urlPath: string) {
  // nspawn machines have a private network namespace now: enter the one of the machine's PID 1.
  const leader = machine.pid ? descendantInOtherNetns(machine.pid) : undefined;
  if (!leader) throw new Error(`machine ${machine.id} (dir ${dir}) has no running PID 1`);
  const script = `fetch("http://127.0.0.1:7575${urlPath}",{headers:{"x-spuff-token":process.env.T},signal:AbortSignal.timeout(5000)}).then(r=>r.text()).then(t=>process.stdout.write(t))`;
  // Asynchronous: the simulators answer the machines from this same process.
  const { stdout } = await execFileAsync(
    "nsenter",
    ["-t", String(leader), "-n", process.execPath, "-e", script],
    {
      env: { ...process.env, T: token },
      encoding: "utf8",
      timeout: 15_000,
    },
  );
  return JSON.parse(stdout);
}

export function onlyMachine(dir: string): { engine: MachineEngine; machine: MachineRecord } {
  const engine = new MachineEngine({ layout: machineLayout(dir) });
  const [machine] = engine.list();
  if (!machine) throw new Error(`no machine in ${dir}`);
  return { engine, machine };
}

export const agentToken = (cfg: string, name: string) =>
  fs.readFileSync(path.join(cfg, "instances", name, "agent.token"), "utf8").trim();
