/**
 * applyUp phase by phase, without a machine: a fake provider and fake SSH operations, the real
 * SQLite state in a temporary directory. Each phase fails once, and the record ends as the
 * failure settlement (settleFailedRecord) says: dropped when the provider has no such instance,
 * kept (failed, with its provider id) when one exists; the error names the phase.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateHostKey } from "../cloudinit/host-key.ts";
import { resolveSettings } from "../config/resolve.ts";
import { FakeClock } from "../core/clock.ts";
import { type Paths, resolvePaths } from "../core/paths.ts";
import { loadProject } from "../project/load.ts";
import type { InstanceRequest, Provider, ProviderInstance } from "../providers/types.ts";
import type { InstanceStore } from "../state/instances.ts";
import { openInstanceStore } from "../state/open.ts";
import { readAgentToken } from "./agent-install.ts";
import { applyUp, type UpRun } from "./apply.ts";
import { planEnvironment } from "./environment.ts";
import { UpFailedError } from "./failure.ts";
import { UpInterruptedError } from "./interrupt.ts";
import { type PhaseEvent, phasesFor, type UpPhase } from "./phases.ts";
import { planUp } from "./plan.ts";
import type { UpSshOps } from "./ssh-ops.ts";

const userPublicKey =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO2uKwQGCmDfH4y7g8WcW0fJZ2OeKs9i6Z5mY3qD0h1n dev@test";
const IP = "127.0.0.77";

class FakeConn {
  closed = 0;
  async close() {
    this.closed++;
  }
}

interface World {
  dir: string;
  paths: Paths;
  store: InstanceStore;
  clock: FakeClock;
  run: UpRun;
  events: PhaseEvent[];
  calls: string[];
  conn: FakeConn;
  /** What listInstances answers after a failure: the instances, or a thrown error. */
  listing: ProviderInstance[] | Error;
}

let w: World;

beforeEach(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-apply-"));
  const paths = resolvePaths({
    HOME: dir,
    SPUFF_CONFIG_DIR: path.join(dir, "c"),
    SPUFF_DATA_DIR: path.join(dir, "d"),
  });
  fs.mkdirSync(paths.dataDir, { recursive: true });
  const clock = new FakeClock();
  const settings = resolveSettings(
    { provider: "digitalocean", tools: ["shell-tools"] },
    { DIGITALOCEAN_TOKEN: "dop_v1_apply_test" },
  );
  const file = path.join(dir, "spuff.yaml");
  fs.writeFileSync(file, "name: apply-test\nsetup: [make]\n");
  const project = loadProject(file, {});
  const plan = planUp(
    settings,
    { name: "apply-test" },
    { now: clock.now(), userPublicKey, hostKey: generateHostKey() },
  );
  w = {
    dir,
    paths,
    store: openInstanceStore(paths.stateDb, () => clock.now()),
    clock,
    run: {
      plan,
      environment: planEnvironment(settings, project),
      settings,
      userPublicKey,
      agentBundle: "/b.cjs",
    },
    events: [],
    calls: [],
    conn: new FakeConn(),
    listing: [],
  };
});
afterEach(() => fs.rmSync(w.dir, { recursive: true, force: true }));

const instance = (over: Partial<ProviderInstance> = {}): ProviderInstance => ({
  id: "p-1",
  name: "apply-test",
  ip: null,
  status: "new",
  region: "fra1",
  size: "s-1vcpu-1gb",
  createdAt: "2026-01-01T00:00:00.000Z",
  labels: {},
  ...over,
});

/** The provider and SSH operations; the phase named by `failAt` throws "boom in PHASE". */
function deps(failAt?: UpPhase, signal?: AbortSignal) {
  const step = async <T>(phase: UpPhase, value: T): Promise<T> => {
    w.calls.push(phase);
    if (phase === failAt) throw new Error(`boom in ${phase}`);
    return value;
  };
  const provider = {
    name: "fake",
    createInstance: (req: InstanceRequest) => step("create_instance", instance({ name: req.name })),
    waitReady: () => step("wait_ready", instance({ ip: IP, status: "active" })),
    listInstances: async () => {
      if (w.listing instanceof Error) throw w.listing;
      return w.listing;
    },
  } as unknown as Provider;
  const ssh: UpSshOps<FakeConn> = {
    waitSsh: () => step("wait_ssh", undefined),
    login: () => step("login", w.conn),
    rotateHostKey: async (_c, target, save) => {
      // As the real rotation: both keys accepted during the switch, then only the new one.
      save(`${target.accepted}\n${ROTATED}`);
      await step("rotate_host_key", undefined);
      save(ROTATED);
      return ROTATED;
    },
    uploadAgent: () => step("upload_agent", undefined),
    waitCloudInit: (_c, onLine) => {
      onLine("Cloud-init v. 24 running modules:final");
      return step("wait_cloud_init", "status done, no errors");
    },
    startAgent: () => step("start_agent", undefined),
    deliverEnvironment: () => step("environment", "bundles in the background: shell-tools"),
    runSetup: () => step("setup", { ok: true, steps: [] }),
    cloudInitTail: async () => "the last cloud-init line",
  };
  return {
    provider,
    store: w.store,
    clock: w.clock,
    paths: w.paths,
    ssh,
    onEvent: (e: PhaseEvent) => w.events.push(e),
    ...(signal ? { signal } : {}),
  };
}

const ROTATED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJvdGF0ZWQta2V5LXJvdGF0ZWQta2V5LXJvdGF0ZWQ spuff-host";
const CONNECTED: UpPhase[] = [
  "rotate_host_key",
  "upload_agent",
  "wait_cloud_init",
  "start_agent",
  "environment",
  "setup",
];

describe("applyUp", () => {
  it("runs every phase in order and ends ready, owner cleared, ssh_config written", async () => {
    const r = await applyUp(w.run, deps());
    expect(w.events.filter((e) => e.status === "start").map((e) => e.phase)).toEqual(
      phasesFor(w.run.environment),
    );
    expect(phasesFor(w.run.environment)).toContain("setup");
    expect(r.conn).toBe(w.conn);
    expect(r.record).toMatchObject({ status: "ready", phase: null, owner: null, providerId: "p-1", ip: IP });
    expect(readAgentToken(w.paths.instanceDir("apply-test"))).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(w.paths.sshConfig, "utf8")).toContain(IP);
    // The rotated key is the only one pinned, in state and in known_hosts.
    expect(r.record.hostKey).toBe(ROTATED);
    expect(fs.readFileSync(w.paths.knownHosts, "utf8")).toBe(`spuff-apply-test ${ROTATED}\n`);
    expect(w.events).toContainEqual({
      phase: "wait_cloud_init",
      status: "progress",
      detail: "Cloud-init v. 24 running modules:final",
    });
  });

  it("create_instance fails and the provider has no such instance: the intent record is dropped", async () => {
    const err = await applyUp(w.run, deps("create_instance")).catch((e) => e);
    expect(err).toBeInstanceOf(UpFailedError);
    expect(err.message).toBe("spuff up failed during create_instance: boom in create_instance");
    expect(err.details).toEqual({ phase: "create_instance", instance_kept: false });
    expect(w.store.list()).toEqual([]);
  });

  it("create_instance's answer is lost but the instance exists: the record takes its id, failed", async () => {
    w.listing = [instance({ id: "p-lost", ip: "127.0.0.78" })];
    const err = await applyUp(w.run, deps("create_instance")).catch((e) => e);
    expect(err.details).toEqual({ phase: "create_instance", instance_kept: true });
    // The hint names the real instance, ready to paste (not a literal NAME).
    expect(err.hint).toContain("`spuff down apply-test`");
    expect(err.hint).not.toMatch(/\bNAME\b/);
    expect(w.store.getByName("apply-test")).toMatchObject({
      providerId: "p-lost",
      ip: "127.0.0.78",
      status: "failed",
      error: "boom in create_instance",
      owner: null,
    });
  });

  it("create_instance fails and the listing fails too: the intent record is kept for gc", async () => {
    w.listing = new Error("listing down");
    const err = await applyUp(w.run, deps("create_instance")).catch((e) => e);
    expect(err.details).toEqual({ phase: "create_instance", instance_kept: true });
    expect(w.store.getByName("apply-test")).toMatchObject({
      providerId: null,
      status: "failed",
      owner: null,
    });
  });

  it.each(["wait_ready", "wait_ssh", "login", ...CONNECTED] as UpPhase[])(
    "%s fails: the record keeps its provider id, marked failed; the error names the phase",
    async (phase) => {
      w.listing = new Error("must not be asked: the id is known");
      const err = await applyUp(w.run, deps(phase)).catch((e) => e);
      expect(err).toBeInstanceOf(UpFailedError);
      expect(err.details).toEqual({ phase, instance_kept: true });
      const connected = CONNECTED.includes(phase);
      expect(err.message).toBe(
        `spuff up failed during ${phase}: boom in ${phase}` +
          (connected ? "\n--- last cloud-init output ---\nthe last cloud-init line" : ""),
      );
      expect(w.conn.closed).toBe(connected ? 1 : 0);
      expect(w.store.getByName("apply-test")).toMatchObject({
        providerId: "p-1",
        status: "failed",
        phase,
        error: `boom in ${phase}`,
        owner: null,
        ...(phase === "wait_ready" ? { ip: null } : { ip: IP }),
      });
      expect(w.events.at(-1)).toEqual({ phase, status: "failed", ms: 0, detail: `boom in ${phase}` });
      expect(w.calls.at(-1)).toBe(phase);
    },
  );

  it("a failed setup step is reported, not thrown: ready, the setup phase marked failed", async () => {
    const d = deps();
    const failed = { id: 1, name: "make", status: "failed", exit_code: 2 } as never;
    d.ssh.runSetup = async () => ({ ok: false, steps: [failed], failed });
    const r = await applyUp(w.run, d);
    expect(r.record.status).toBe("ready");
    expect(r.setup?.ok).toBe(false);
    expect(w.events.at(-1)).toMatchObject({
      phase: "setup",
      status: "failed",
      detail: "step 1 failed: make",
    });
  });

  it("interrupted mid-phase: no settlement, the record stays for the command to destroy or keep", async () => {
    const ac = new AbortController();
    const d = deps(undefined, ac.signal);
    d.ssh.waitCloudInit = () => {
      ac.abort(new Error("SIGINT"));
      return new Promise(() => {}); // never answers; the abort ends the phase
    };
    const err = await applyUp(w.run, d).catch((e) => e);
    expect(err).toBeInstanceOf(UpInterruptedError);
    const rec = w.store.getByName("apply-test");
    expect(err.recordId).toBe(rec?.id);
    expect(rec).toMatchObject({ status: "provisioning", providerId: "p-1", phase: "wait_cloud_init" });
    expect(w.conn.closed).toBe(1);
    expect(w.events.at(-1)).toEqual({
      phase: "wait_cloud_init",
      status: "failed",
      ms: 0,
      detail: "interrupted",
    });
  });

  it("interrupted during the create: the answer still in flight is awaited and its id saved", async () => {
    const ac = new AbortController();
    const d = deps(undefined, ac.signal);
    let answer: (i: ProviderInstance) => void = () => {};
    d.provider.createInstance = () => {
      ac.abort(new Error("SIGINT"));
      return new Promise((r) => {
        answer = r;
      });
    };
    const pending = applyUp(w.run, d).catch((e) => e);
    await new Promise((r) => setImmediate(r));
    expect(w.store.getByName("apply-test")?.providerId).toBeNull();
    answer(instance({ id: "p-late" }));
    const err = await pending;
    expect(err).toBeInstanceOf(UpInterruptedError);
    expect(w.store.getByName("apply-test")).toMatchObject({ providerId: "p-late", status: "provisioning" });
  });
});
