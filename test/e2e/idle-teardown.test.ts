/**
 * Idle teardown on a real machine: the agent spuff installed (running on the image's Node 18)
 * sees no SSH session, no terminal input and no keepalive for the idle timeout, and powers the
 * machine off; the local provider then reports it off and `spuff local gc` removes what remains.
 * The first two shorten the timeout on the VM so they take seconds; the idle_timeout 60s ones
 * below run with the configured timeout, concurrently (DigitalOcean reaper, keep-alive, session).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MachineEngine } from "../../src/machines/engine.ts";
import { machineLayout } from "../../src/machines/layout.ts";
import { HOST_FROM_GUEST } from "../../src/machines/slirp.ts";
import type { MachineRecord } from "../../src/machines/types.ts";
import { startAwsSim } from "../../src/sim/aws/index.ts";
import { startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { realMachineBackend } from "../../src/sim/machine-backend.ts";
import { awsSimEnv } from "../helpers/aws-sim-env.ts";
import { runSpuff } from "../helpers/cli.ts";
import {
  agentGet,
  agentToken,
  onlyMachine,
  SHORTEN_IDLE,
  sleep,
  TESTABLE_IDLE,
  until,
} from "../helpers/idle-machine.ts";
import { initJourney, newJourney } from "../helpers/journey.ts";
import {
  leftovers,
  NOTHING_LEFT,
  removeDataDirs,
  runMachineSuites,
  tempDataDir,
} from "../helpers/machines.ts";
import { generateKeyPair } from "../helpers/sshd.ts";

describe.runIf(runMachineSuites)("agent idle teardown on a real local machine", () => {
  const dir = tempDataDir("idle");
  afterAll(() => removeDataDirs([dir]));

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
  afterAll(() => removeDataDirs([dir]));

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

const IDLE_TIMEOUT_MS = 60_000;
/** The bound: gone within idle_timeout + 30 s; kept ones are checked past it. */
const GRACE_MS = 30_000;

/** A journey (data dir, key, binary) initialised for `provider` with idle_timeout 60s. */
async function idleJourney(prefix: string, provider: string, extraEnv: Record<string, string> = {}) {
  const j = newJourney(prefix, extraEnv);
  await initJourney(j, provider);
  const set = await j.run(["config", "set", "idle_timeout", "60s"]);
  expect(set.code, set.stderr).toBe(0);
  return { ...j, cfg: j.env.SPUFF_CONFIG_DIR as string };
}

/** `up NAME` on the local provider, then TESTABLE_IDLE; resolves once the agent has restarted. */
async function localTestableMachine(prefix: string, name: string, dirs: string[]) {
  const j = await idleJourney(prefix, "local");
  dirs.push(j.dir);
  const up = await j.run(["up", name, "--no-connect"], 300_000);
  expect(up.code, up.stderr).toBe(0);
  expect((await j.run(["exec", name, "--", "sh", "-c", TESTABLE_IDLE])).code).toBe(0);
  await sleep(3000); // restarted ~1 s after the exec
  return j;
}

/**
 * After the keep-alive/session is released: the agent decides to power off one idle timeout
 * later (its record, /var/lib/spuff/teardown.json, read from the machine's overlay), and the
 * machine then stops. The decision is what the timeout governs; the guest's own shutdown comes
 * on top (systemd in the container takes ~25 s here to reap its last processes).
 */
async function expectTeardownAfterRelease(
  dir: string,
  engine: MachineEngine,
  machine: MachineRecord,
  releasedAt: number,
  what: string,
) {
  const record = path.join(machineLayout(dir).machineDir(machine.id), "upper/var/lib/spuff/teardown.json");
  await until(() => fs.existsSync(record), IDLE_TIMEOUT_MS + GRACE_MS);
  const decidedAfterMs = Date.now() - releasedAt;
  expect(fs.existsSync(record), `no teardown ${decidedAfterMs} ms after ${what}`).toBe(true);
  const teardown = JSON.parse(fs.readFileSync(record, "utf8"));
  expect(teardown).toMatchObject({ reason: "idle_timeout", action: "poweroff" });
  await until(() => !engine.isRunning(machine), 60_000);
  const stoppedAfterMs = Date.now() - releasedAt;
  console.log(
    `${what}: teardown decided after ${Date.parse(teardown.at) - releasedAt} ms, stopped after ${stoppedAfterMs} ms`,
  );
  expect(Date.parse(teardown.at) - releasedAt).toBeGreaterThan(IDLE_TIMEOUT_MS - 5000);
  expect(Date.parse(teardown.at) - releasedAt).toBeLessThan(IDLE_TIMEOUT_MS + GRACE_MS);
  expect(engine.isRunning(machine)).toBe(false);
}

describe.runIf(runMachineSuites)("idle_timeout 60s on real machines (concurrently)", () => {
  const dirs: string[] = [];
  afterAll(() => removeDataDirs(dirs));

  it.concurrent("DigitalOcean simulator + nspawn: the agent deletes its droplet with the reaper token, from that machine", async () => {
    const reaper = `dop_v1_${randomBytes(32).toString("hex")}`;
    const dataDir = tempDataDir("idle-do-sim");
    dirs.push(dataDir);
    const sim = await startDigitalOceanSim({
      activeAfterMs: 200,
      backend: realMachineBackend({ driver: "nspawn", dataDir }),
      scopedTokens: [{ name: "reaper", token: reaper, scopes: ["droplet:delete"] }],
    });
    try {
      // From the guest the host's loopback is 10.0.2.2 (sim machines only; see SlirpOptions).
      const guest = (url: string) => url.replace("127.0.0.1", HOST_FROM_GUEST);
      const j = await idleJourney("idle-do", "digitalocean", {
        SPUFF_DATA_DIR: dataDir,
        DIGITALOCEAN_TOKEN: sim.token,
        DIGITALOCEAN_API_URL: sim.url,
        SPUFF_REAPER_TOKEN: reaper,
        SPUFF_AGENT_API_URL: guest(sim.url),
        SPUFF_AGENT_METADATA_URL: guest(sim.metadataUrl),
      });
      dirs.push(j.dir);
      const up = await j.run(["up", "reap", "--no-connect"], 300_000);
      expect(up.code, up.stderr).toBe(0);
      const [droplet] = [...sim.state.droplets.values()];
      expect(droplet).toBeDefined();

      // Delivered over SSH only: root 0600 on the VM, in no user-data (the metadata service's copy included).
      const onVm = await j.run([
        "exec",
        "reap",
        "--",
        "sh",
        "-c",
        "sudo -n stat -c '%a %U' /etc/spuff/reaper.token; sudo -n cat /var/lib/cloud/instance/user-data.txt",
      ]);
      expect(onVm.stdout.split("\n")[0]).toBe("600 root");
      expect(onVm.stdout).toContain("#cloud-config");
      expect(onVm.stdout).not.toContain(reaper);
      expect(droplet?.userData).not.toContain(reaper);
      // …and kept nowhere on this side either.
      const instanceDir = path.join(j.cfg, "instances", "reap");
      for (const f of fs.readdirSync(instanceDir)) {
        expect(fs.readFileSync(path.join(instanceDir, f), "utf8"), f).not.toContain(reaper);
      }

      const started = Date.now();
      expect((await j.run(["exec", "reap", "--", "sh", "-c", TESTABLE_IDLE])).code).toBe(0);
      // Meanwhile keep the agent's own account (/idle, asked from inside the machine's namespace)
      // so a late or failed delete says why.
      const { machine } = onlyMachine(dataDir);
      const token = agentToken(j.cfg, "reap");
      let lastIdle: unknown;
      const watching = setInterval(() => {
        agentGet(dataDir, machine, token, "/idle").then(
          (idle) => (lastIdle = idle),
          () => {}, // the machine is going away
        );
      }, 2000);
      await until(() => sim.state.deletions.length > 0, IDLE_TIMEOUT_MS + GRACE_MS + 10_000).finally(() =>
        clearInterval(watching),
      );
      const deletedAfterMs = Date.now() - started;
      console.log(`droplet deleted by its agent ${deletedAfterMs} ms after the last SSH session`);
      // The agent's own account: idle since its start (its last activity), deadline one timeout on.
      const seen = lastIdle as { deadline: string; last_activity: string } | undefined;
      expect(seen, "the agent's /idle was never read").toBeDefined();
      const sinceIdleMs = Date.now() - Date.parse(seen?.last_activity ?? "");
      console.log(`… ${sinceIdleMs} ms after the agent's last activity, deadline ${seen?.deadline}`);
      expect(sinceIdleMs).toBeLessThan(IDLE_TIMEOUT_MS + GRACE_MS);
      console.log("agent's last /idle before the delete:", JSON.stringify(lastIdle));
      console.log("metadata requests:", JSON.stringify(sim.metadataRequests));
      expect(sim.state.deletions).toEqual([{ id: droplet?.id, token: "reaper", remote: droplet?.ip }]);
      expect(deletedAfterMs).toBeGreaterThan(IDLE_TIMEOUT_MS - 1000);
      expect(deletedAfterMs).toBeLessThan(IDLE_TIMEOUT_MS + GRACE_MS);
      // The agent asked the metadata service for its id, from its own address, then DELETEd with it.
      expect(sim.metadataRequests).toContainEqual({
        method: "GET",
        path: "/metadata/v1/id",
        status: 200,
        remote: droplet?.ip,
      });
      expect(sim.requests.filter((r) => r.method === "DELETE")).toEqual([
        { method: "DELETE", path: `/v2/droplets/${droplet?.id}`, status: 204, remote: droplet?.ip },
      ]);
      expect(sim.validator?.violations).toEqual([]);
      const status = await j.run(["status", "reap", "--json"]);
      expect(providerState(JSON.parse(status.stdout))).toBe("gone");
      expect(await until(() => leftovers(machineLayout(dataDir)).machineDirs.length === 0, 30_000)).toBe(
        true,
      );
      expect(leftovers(machineLayout(dataDir))).toEqual(NOTHING_LEFT);
    } finally {
      await sim.close();
    }
  }, 400_000);

  it.concurrent("local: spuff-keepalive keeps it past timeout + 30 s (/idle says why); off lets it stop", async () => {
    const j = await localTestableMachine("idle-keep", "keep", dirs);
    const lease = await j.run(["exec", "keep", "--", "spuff-keepalive", "10m"]);
    expect(lease.code, lease.stderr).toBe(0);
    expect(lease.stdout).toMatch(/kept up until/);
    const leasedAt = Date.now();

    const { engine, machine } = onlyMachine(j.dir);
    await sleep(IDLE_TIMEOUT_MS + GRACE_MS + 5000 - (Date.now() - leasedAt));
    expect(engine.isRunning(machine)).toBe(true);
    const idle = await agentGet(j.dir, machine, agentToken(j.cfg, "keep"), "/idle");
    expect(idle.idle_timeout_seconds).toBe(60);
    expect(idle.idle_seconds).toBeLessThanOrEqual(2);
    expect(Date.now() - Date.parse(idle.sources.keepalive.last_activity)).toBeLessThan(5000);
    expect(idle.sources.keepalive.detail).toBe("/run/spuff/keepalive");
    expect(idle.seconds_until_deadline).toBeGreaterThan(55);
    expect(idle.decisions.filter((d: { event: string }) => d.event === "act")).toEqual([]);

    const off = await j.run(["exec", "keep", "--", "spuff-keepalive", "off"]);
    expect(off.code, off.stderr).toBe(0);
    await expectTeardownAfterRelease(j.dir, engine, machine, Date.now(), "spuff-keepalive off");
    const gc = await j.run(["local", "gc", "--json"]);
    expect(JSON.parse(gc.stdout).machines).toEqual([machine.id]);
    expect(leftovers(machineLayout(j.dir))).toEqual(NOTHING_LEFT);
  }, 400_000);

  it.concurrent("local: an open interactive SSH session keeps it past timeout + 30 s (/idle says why); closing it lets it stop", async () => {
    const j = await localTestableMachine("idle-session", "sess", dirs);

    // Plain OpenSSH through spuff's ssh_config (pinned key), with a terminal on the VM (-tt).
    let session: ChildProcess | undefined = spawn(
      "ssh",
      ["-tt", "-F", path.join(j.cfg, "ssh_config"), "-o", "BatchMode=yes", "spuff-sess"],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    let output = "";
    session.stdout?.on("data", (d) => (output += d));
    session.stdin?.write("tty\n");
    expect(await until(() => /\/dev\/pts\/\d+/.test(output), 20_000, 200)).toBe(true);
    const openedAt = Date.now();
    try {
      const { engine, machine } = onlyMachine(j.dir);
      await sleep(IDLE_TIMEOUT_MS + GRACE_MS + 5000 - (Date.now() - openedAt));
      expect(engine.isRunning(machine)).toBe(true);
      const idle = await agentGet(j.dir, machine, agentToken(j.cfg, "sess"), "/idle");
      expect(idle.idle_seconds).toBeLessThanOrEqual(2);
      expect(idle.sources.ssh_connection.detail).toBe("1 established");
      expect(Date.now() - Date.parse(idle.sources.ssh_connection.last_activity)).toBeLessThan(5000);
      // The session's terminal input ("tty") is older than the connection's latest sighting.
      expect(idle.sources.ssh_input.detail).toMatch(/^pts\/\d+$/);
      expect(idle.decisions.filter((d: { event: string }) => d.event === "act")).toEqual([]);

      session.stdin?.end("exit\n");
      await until(() => session?.exitCode !== null, 10_000, 100);
      session = undefined;
      await expectTeardownAfterRelease(j.dir, engine, machine, Date.now(), "the SSH session closed");
      const gc = await j.run(["local", "gc", "--json"]);
      expect(JSON.parse(gc.stdout).machines).toEqual([machine.id]);
      expect(leftovers(machineLayout(j.dir))).toEqual(NOTHING_LEFT);
    } finally {
      session?.kill();
    }
  }, 400_000);
});
