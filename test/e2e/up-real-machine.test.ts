/**
 * The real binary on real machines: `up --no-connect --json` → `exec` → plain OpenSSH through
 * spuff's ssh_config (pinned key) → `down`, which removes the machine, the record and the
 * ssh_config entry. Once on the local provider, once through the DigitalOcean simulator backed
 * by nspawn machines (spuff's production DigitalOcean path, unchanged).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MachineEngine } from "../../src/machines/engine.ts";
import { machineLayout } from "../../src/machines/layout.ts";
import { startAwsSim } from "../../src/sim/aws/index.ts";
import type { MachineBackend } from "../../src/sim/backend.ts";
import { startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { startHetznerSim } from "../../src/sim/hetzner/index.ts";
import { realMachineBackend } from "../../src/sim/machine-backend.ts";
import { awsSimEnv } from "../helpers/aws-sim-env.ts";
import { runSpuff } from "../helpers/cli.ts";
import { leftovers, NOTHING_LEFT, runMachineSuites, tempDataDir } from "../helpers/machines.ts";
import { generateKeyPair } from "../helpers/sshd.ts";

interface Journey {
  dir: string;
  env: Record<string, string>;
}

function journeyDir(prefix: string): Journey {
  const dir = tempDataDir(prefix);
  generateKeyPair(path.join(dir, "id_ed25519"));
  return { dir, env: { SPUFF_DATA_DIR: dir, SPUFF_CONFIG_DIR: path.join(dir, "cfg") } };
}

async function upExecDown(j: Journey, name: string, provider: string): Promise<void> {
  const run = (args: string[], timeoutMs = 60_000) =>
    runSpuff(args, { configDir: j.dir, env: j.env, timeoutMs });
  const init = await run([
    "init",
    "--defaults",
    "--provider",
    provider,
    "--ssh-key",
    path.join(j.dir, "id_ed25519"),
  ]);
  expect(init.code, init.stderr).toBe(0);

  const up = await run(["up", name, "--no-connect", "--json"], 300_000);
  expect(up.code, up.stderr + up.stdout).toBe(0);
  const events = up.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const done = events.filter((e) => e.status === "done").map((e) => e.phase);
  expect(done).toEqual([
    "generate_cloud_config",
    "create_instance",
    "wait_ready",
    "wait_ssh",
    "login",
    "upload_agent",
    "wait_cloud_init",
    "start_agent",
  ]);
  expect(events.at(-1)).toMatchObject({ event: "ready", name });

  const hostname = await run(["exec", name, "--", "cat", "/etc/hostname"]);
  expect(hostname).toMatchObject({ code: 0, stdout: `${name}\n` });
  const failing = await run(["exec", name, "--", "sh", "-c", "exit 7"]);
  expect(failing.code).toBe(7);

  // status: provider's view (with the hourly price where the provider has one) and the agent's.
  const status = await run(["status", name, "--json"]);
  expect(status.code, status.stderr).toBe(0);
  const st = JSON.parse(status.stdout);
  expect(st.provider).toMatchObject({ exists: true, status: "active" });
  expect(st.agent).toMatchObject({ reachable: true, token_accepted: true, status: { hostname: name } });
  expect(st.agent.idle).toHaveProperty("idle_seconds");
  if (provider === "hetzner") expect(st.provider.price_hourly).toMatchObject({ currency: "EUR" });
  const live = await run(["list", "--live", "--json"]);
  expect(JSON.parse(live.stdout)).toMatchObject([{ name, provider_status: "active" }]);
  if (provider === "hetzner") expect(JSON.parse(live.stdout)[0].price_hourly.amount).toBeGreaterThan(0);

  // The agent token went over SSH only: 0600 on both ends, absent from the user-data the VM got.
  const tokenFile = path.join(j.env.SPUFF_CONFIG_DIR as string, "instances", name, "agent.token");
  expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
  const token = fs.readFileSync(tokenFile, "utf8").trim();
  expect(token).toMatch(/^[0-9a-f]{64}$/);
  const onVm = await run([
    "exec",
    name,
    "--",
    "sh",
    "-c",
    "sudo -n cat /var/lib/cloud/instance/user-data.txt; sudo -n stat -c %a /etc/spuff/agent.env",
  ]);
  expect(onVm.stdout).toContain("#cloud-config");
  expect(onVm.stdout).not.toContain(token);
  expect(onVm.stdout.trim().split("\n").at(-1)).toBe("600");
  for (const secret of [j.env.DIGITALOCEAN_TOKEN, j.env.HCLOUD_TOKEN, token].filter(Boolean)) {
    expect(onVm.stdout).not.toContain(secret as string);
  }

  // Plain OpenSSH through spuff's files: the pinned key is the only one it accepts.
  const sshConfig = path.join(j.env.SPUFF_CONFIG_DIR as string, "ssh_config");
  expect(fs.readFileSync(sshConfig, "utf8")).toContain(`Host spuff-${name}`);
  const plain = spawnSync(
    "ssh",
    ["-F", sshConfig, "-o", "BatchMode=yes", `spuff-${name}`, "echo", "plain-ok"],
    {
      encoding: "utf8",
      timeout: 30_000,
    },
  );
  expect(plain.stdout, plain.stderr).toBe("plain-ok\n");

  const down = await run(["down", name, "--force"], 120_000);
  expect(down.code, down.stderr).toBe(0);
  expect(fs.readFileSync(sshConfig, "utf8")).not.toContain(`spuff-${name}`);
  const list = await run(["list", "--json"]);
  expect(JSON.parse(list.stdout)).toEqual([]);
}

describe.runIf(runMachineSuites)("spuff up → exec → ssh → down on real machines", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) {
      const engine = new MachineEngine({ layout: machineLayout(d) });
      for (const m of engine.list()) await engine.destroy(m.id);
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it("local provider (nspawn)", async () => {
    const j = journeyDir("up-local");
    dirs.push(j.dir);
    await upExecDown(j, "e2e-local", "local");
    expect(leftovers(machineLayout(j.dir))).toEqual(NOTHING_LEFT);
  }, 400_000);

  // Each cloud simulator, backed by nspawn machines: spuff's production path for that cloud.
  const SIMS = [
    {
      provider: "digitalocean",
      async start(backend: MachineBackend) {
        const sim = await startDigitalOceanSim({ activeAfterMs: 200, backend });
        return {
          env: { DIGITALOCEAN_TOKEN: sim.token, DIGITALOCEAN_API_URL: sim.url },
          count: () => sim.state.droplets.size,
          violations: () => sim.validator?.violations,
          close: () => sim.close(),
        };
      },
    },
    {
      provider: "hetzner",
      async start(backend: MachineBackend) {
        const sim = await startHetznerSim({ activeAfterMs: 200, backend });
        return {
          env: { HCLOUD_TOKEN: sim.token, HCLOUD_ENDPOINT: sim.endpoint },
          count: () => sim.state.servers.size,
          violations: () => sim.validator?.violations,
          close: () => sim.close(),
        };
      },
    },
    {
      provider: "aws",
      async start(backend: MachineBackend) {
        const sim = await startAwsSim({ activeAfterMs: 200, backend });
        return {
          env: awsSimEnv(sim.url),
          // Terminated instances stay visible for a while on EC2: count the live ones.
          count: () => [...sim.state.instances.values()].filter((x) => x.ended?.to !== "terminated").length,
          violations: () => sim.validator?.violations,
          close: () => sim.close(),
        };
      },
    },
  ];

  for (const s of SIMS) {
    it(`${s.provider} simulator with the nspawn backend`, async () => {
      const j = journeyDir(`up-${s.provider}`);
      dirs.push(j.dir);
      const sim = await s.start(realMachineBackend({ driver: "nspawn", dataDir: j.dir }));
      try {
        Object.assign(j.env, sim.env);
        await upExecDown(j, `e2e-${s.provider}`, s.provider);
        expect(sim.count()).toBe(0);
        expect(leftovers(machineLayout(j.dir))).toEqual(NOTHING_LEFT);
        expect(sim.violations()).toEqual([]);
      } finally {
        await sim.close();
      }
    }, 400_000);
  }
});
