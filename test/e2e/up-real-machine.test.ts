/**
 * The real binary on real machines: `up --no-connect --json` → `exec` → `status` (agent through
 * the pinned tunnel, token checked) → `agent …` → `tunnel` carrying HTTP to a server on the VM →
 * `logs` (and `-f`) → plain OpenSSH through spuff's ssh_config (pinned key) → `down --yes`, which
 * waits until the provider reports the instance gone and removes the record and the ssh_config
 * entry. On the local provider and through each cloud simulator backed by nspawn machines
 * (spuff's production path for that cloud, unchanged).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { machineLayout } from "../../src/machines/layout.ts";
import { startAwsSim } from "../../src/sim/aws/index.ts";
import type { MachineBackend } from "../../src/sim/backend.ts";
import { startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { startHetznerSim } from "../../src/sim/hetzner/index.ts";
import { realMachineBackend } from "../../src/sim/machine-backend.ts";
import { awsSimEnv } from "../helpers/aws-sim-env.ts";
import type { runSpuff } from "../helpers/cli.ts";
import { initJourney, type Journey, newJourney } from "../helpers/journey.ts";
import { leftovers, NOTHING_LEFT, removeDataDirs, runMachineSuites } from "../helpers/machines.ts";
import { startSpuff } from "../helpers/spuff-process.ts";

async function upExecDown(j: Journey, name: string, provider: string): Promise<void> {
  const run = j.run;
  await initJourney(j, provider);

  await upJourney(run, name);

  const hostname = await run(["exec", name, "--", "cat", "/etc/hostname"]);
  expect(hostname).toMatchObject({ code: 0, stdout: `${name}\n` });
  const failing = await run(["exec", name, "--", "sh", "-c", "exit 7"]);
  expect(failing.code).toBe(7);

  await statusJourney(run, name, provider);

  const { token, onVmText } = await tokenJourney(run, j, name);

  await hostKeyRotated(run, j, onVmText);

  await agentJourney(run, name);

  if (provider === "local") {
    // A snapshot of the running machine, by name (local snapshots are image layers).
    const snap = await run(["snapshot", "create", name, "--name", `${name}-snap`, "--json"], 120_000);
    expect(snap.code, snap.stderr).toBe(0);
    expect(JSON.parse(snap.stdout)).toMatchObject({ instance: name, snapshot: { id: `${name}-snap` } });
    const snaps = JSON.parse((await run(["snapshot", "list", "--json"])).stdout);
    expect(snaps.map((x: { id: string }) => x.id)).toContain(`${name}-snap`);
    expect((await run(["snapshot", "delete", `${name}-snap`])).code).toBe(0);
  }

  await tunnelJourney(run, j, name, token);
  await logsJourney(run, j, name);

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

  // No terminal and no --yes: down refuses (usage, exit 2) and the machine keeps running.
  const refused = await run(["down", name]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain("--yes");
  expect((await run(["exec", name, "--", "true"])).code).toBe(0);

  const down = await run(["down", "--yes", "--json"], 180_000); // the only instance: no name needed
  expect(down.code, down.stderr).toBe(0);
  expect(JSON.parse(down.stdout)).toMatchObject({
    name,
    destroyed: true,
    confirmed_gone: true,
    forgotten: true,
  });
  expect(fs.readFileSync(sshConfig, "utf8")).not.toContain(`spuff-${name}`);
  const list = await run(["list", "--json"]);
  expect(JSON.parse(list.stdout)).toEqual([]);
}

type Run = (args: string[], timeoutMs?: number) => ReturnType<typeof runSpuff>;

/**
 * Host key rotation: the key in user-data (which a metadata service hands to any process on the
 * VM) is not what sshd offers; the offered key is the only one in spuff's known_hosts.
 */
async function hostKeyRotated(run: Run, j: Journey, userDataText: string): Promise<void> {
  const userDataKey = userDataText.match(/ed25519_public: "?(ssh-ed25519 [A-Za-z0-9+/=]+)/)?.[1];
  expect(userDataKey, userDataText).toBeDefined();
  const [rec] = JSON.parse((await run(["list", "--json"])).stdout) as { ip: string; host_key?: string }[];
  const scan = spawnSync("ssh-keyscan", ["-T", "10", "-t", "ed25519", rec?.ip as string], {
    encoding: "utf8",
    timeout: 30_000,
  });
  const offered = scan.stdout.match(/ssh-ed25519 [A-Za-z0-9+/=]+/)?.[0];
  expect(offered, scan.stderr).toBeDefined();
  expect(offered).not.toBe(userDataKey);
  const knownHosts = fs.readFileSync(path.join(j.env.SPUFF_CONFIG_DIR as string, "known_hosts"), "utf8");
  expect(knownHosts.trim().split("\n")).toEqual([expect.stringContaining(offered as string)]);
  expect(knownHosts).not.toContain((userDataKey as string).split(" ")[1]);
}

/** `up --json`: every phase done in order, then `ready`. */
async function upJourney(run: Run, name: string): Promise<void> {
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
    "rotate_host_key",
    "upload_agent",
    "wait_cloud_init",
    "start_agent",
  ]);
  expect(events.at(-1)).toMatchObject({ event: "ready", name });
}

/** status: provider's view (with the hourly price where the provider has one) and the agent's. */
async function statusJourney(run: Run, name: string, provider: string): Promise<void> {
  const status = await run(["status", name, "--json"]);
  expect(status.code, status.stderr).toBe(0);
  const st = JSON.parse(status.stdout);
  expect(st.provider).toMatchObject({ exists: true, status: "active" });
  expect(st.agent).toMatchObject({ reachable: true, token_accepted: true, status: { hostname: name } });
  expect(st.agent).not.toHaveProperty("metrics");
  const detailed = JSON.parse((await run(["status", name, "--detailed", "--json"])).stdout);
  expect(detailed.agent.idle).toHaveProperty("seconds_until_deadline");
  expect(detailed.agent.metrics.memory_total_bytes).toBeGreaterThan(0);
  const human = await run(["status", name, "--detailed"]);
  expect(human.stdout).toMatch(/^Next teardown +\S/m);
  expect(human.stdout).toMatch(/^Memory +[\d.]+ GB of [\d.]+ GB/m);
  if (provider === "hetzner") expect(st.provider.price_hourly).toMatchObject({ currency: "EUR" });
  const live = await run(["list", "--live", "--json"]);
  expect(JSON.parse(live.stdout)).toMatchObject([{ name, provider_status: "active" }]);
  if (provider === "hetzner") expect(JSON.parse(live.stdout)[0].price_hourly.amount).toBeGreaterThan(0);
}

/** The agent token went over SSH only: 0600 on both ends, absent from the user-data the VM got. */
async function tokenJourney(
  run: Run,
  j: Journey,
  name: string,
): Promise<{ token: string; onVmText: string }> {
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
  return { token, onVmText: onVm.stdout };
}

/** The agent's raw endpoints, through the same pinned tunnel with the token. */
async function agentJourney(run: Run, name: string): Promise<void> {
  const agentStatus = await run(["agent", "status", name, "--json"]);
  expect(JSON.parse(agentStatus.stdout), agentStatus.stderr).toMatchObject({ hostname: name });
  const procs = JSON.parse((await run(["agent", "processes", name, "--json"])).stdout);
  expect(procs.length).toBeGreaterThan(0);
  expect(procs[0]).toHaveProperty("pid");
  const metrics = JSON.parse((await run(["agent", "metrics", name, "--json"])).stdout);
  expect(metrics.disk_total_bytes).toBeGreaterThan(0);
  const agentLogs = JSON.parse((await run(["agent", "logs", name, "-n", "2", "--json"])).stdout);
  expect(agentLogs.lines).toHaveLength(2);
}

/** A web server on the VM's loopback, reached only through `spuff tunnel`, stopped by SIGINT. */
async function tunnelJourney(run: Run, j: Journey, name: string, token: string): Promise<void> {
  const marker = `through-the-tunnel-${name}`;
  const serve = await run([
    "exec",
    name,
    "--json",
    "--",
    "sh",
    "-c",
    // Detached and with every fd redirected, so exec returns while the server keeps running.
    `mkdir -p /tmp/www && echo ${marker} > /tmp/www/marker.txt && cd /tmp/www && ` +
      "setsid nohup python3 -m http.server 8765 --bind 127.0.0.1 >/tmp/www.log 2>&1 </dev/null &",
  ]);
  expect(serve.code, serve.stdout + serve.stderr).toBe(0);

  const tunnel = startSpuff(["tunnel", name, "-p", "0:8765", "-p", "0:7575", "--json"], {
    configDir: j.dir,
    env: j.env,
    timeoutMs: 120_000,
  });
  try {
    const mapping = JSON.parse(await tunnel.waitForLine((l) => l.startsWith("{"), 60_000));
    expect(mapping.name).toBe(name);
    expect(mapping.forwards.map((f: { remote_port: number }) => f.remote_port)).toEqual([8765, 7575]);
    const [web, agent] = mapping.forwards.map(
      (f: { local_port: number }) => `http://127.0.0.1:${f.local_port}`,
    );
    expect(web).not.toBe("http://127.0.0.1:0");
    // The server may still be starting: a refused remote shows up as a closed socket. Bounded.
    let body = "";
    for (let i = 0; i < 100 && body === ""; i++) {
      body = await fetch(`${web}/marker.txt`, { signal: AbortSignal.timeout(5_000) }).then(
        (r) => (r.ok ? r.text() : ""),
        () => "",
      );
      if (body === "") await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toBe(`${marker}\n`);
    // Two forwards at once on the one connection: the agent answers only with the token.
    expect((await fetch(`${agent}/status`)).status).toBe(401);
    const st = await fetch(`${agent}/status`, { headers: { "x-spuff-token": token } });
    expect(((await st.json()) as { hostname: string }).hostname).toBe(name);
  } finally {
    // Stopped the way a user stops it: SIGINT closes the forwards and exits 0.
    tunnel.child.kill("SIGINT");
    const end = await tunnel.done;
    expect(end.code, end.stderr).toBe(0);
  }
}

/** `logs -n 5` (the cloud-init output log), then `logs -f` sees a line appended on the VM. */
async function logsJourney(run: Run, j: Journey, name: string): Promise<void> {
  const tail = await run(["logs", name, "-n", "5", "--json"]);
  expect(tail.code, tail.stderr).toBe(0);
  const t = JSON.parse(tail.stdout);
  expect(t).toMatchObject({ name, file: "/var/log/cloud-init-output.log" });
  expect(t.lines).toHaveLength(5);
  const direct = await run([
    "exec",
    name,
    "--",
    "sudo",
    "-n",
    "tail",
    "-n",
    "5",
    "/var/log/cloud-init-output.log",
  ]);
  expect(`${t.lines.join("\n")}\n`).toBe(direct.stdout);
  const plain = await run(["logs", name, "-n", "5"]);
  expect(plain.stdout).toBe(direct.stdout);
  // --file is confined by the agent to /var/log: anything else is refused with its reason.
  const outside = await run(["logs", name, "--file", "/etc/shadow"]);
  expect(outside.code).toBe(1);
  expect(outside.stderr).toContain("403");

  const follow = startSpuff(["logs", name, "-f", "-n", "1", "--json"], {
    configDir: j.dir,
    env: j.env,
    timeoutMs: 120_000,
  });
  try {
    await follow.waitForLine((l) => l.startsWith("{"), 60_000);
    const marker = `appended-while-following-${Date.now()}`;
    const append = await run([
      "exec",
      name,
      "--",
      "sh",
      "-c",
      `echo ${marker} | sudo -n tee -a /var/log/cloud-init-output.log >/dev/null`,
    ]);
    expect(append.code, append.stderr).toBe(0);
    const seen = JSON.parse(await follow.waitForLine((l) => l.includes(marker), 30_000));
    expect(seen).toEqual({ name, file: "/var/log/cloud-init-output.log", line: marker });
  } finally {
    follow.child.kill("SIGINT");
    const end = await follow.done;
    expect(end.code, end.stderr).toBe(0);
  }
}

describe.runIf(runMachineSuites)("spuff up → exec → ssh → down on real machines", () => {
  const dirs: string[] = [];
  afterAll(() => removeDataDirs(dirs));

  it("local provider (nspawn)", async () => {
    const j = newJourney("up-local");
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
      const j = newJourney(`up-${s.provider}`);
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
