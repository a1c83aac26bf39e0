/**
 * `spuff up`, applied: the plan the command made (up/plan.ts, nothing left to decide) taken through
 * the phases of up/phases.ts, top to bottom. The intent record goes to state *before* the provider
 * call and gets the provider id right after, and the instance carries spuff's labels and a unique
 * name, so an interruption never leaves a billable instance spuff cannot find. Every effect comes
 * in through `UpDeps` (provider, state, clock, SSH operations), so each phase's failure can be
 * tested without a machine (apply.test.ts).
 */
import type { Settings } from "../config/resolve.ts";
import type { Clock } from "../core/clock.ts";
import type { Paths } from "../core/paths.ts";
import type { Provider } from "../providers/types.ts";
import { hostEntries, syncSshFiles } from "../ssh/sync-files.ts";
import type { InstanceStore } from "../state/instances.ts";
import { currentOwner } from "../state/owner.ts";
import type { InstanceRecord, NewInstance } from "../state/types.ts";
import { newAgentToken, saveAgentToken } from "./agent-install.ts";
import { type EnvironmentPlan, hasEnvironment, hasSetup, type SetupReport } from "./environment.ts";
import { failUp } from "./failure.ts";
import { PhaseRun } from "./phase-run.ts";
import type { PhaseEvent } from "./phases.ts";
import type { UpPlan } from "./plan.ts";
import type { UpConnection, UpSshOps } from "./ssh-ops.ts";
import { attachWorkspaceVolume, recordMount } from "./volume.ts";

/** Everything decided before the first side effect (commands/up.ts builds it). */
export interface UpRun {
  plan: UpPlan;
  environment: EnvironmentPlan;
  settings: Pick<Settings, "timeouts" | "sshKeyPath" | "forwardAgent">;
  userPublicKey: string;
  /** The spuff-agent bundle, found by the pre-create checks. */
  agentBundle: string;
}

export interface UpDeps<C extends UpConnection> {
  provider: Provider;
  store: InstanceStore;
  clock: Clock;
  paths: Paths;
  ssh: UpSshOps<C>;
  onEvent(e: PhaseEvent): void;
  /** Aborted by Ctrl-C/SIGTERM (up/interrupt.ts): the phase stops, applyUp rejects with the reason. */
  signal?: AbortSignal;
  /** Told every secret made here (the agent token), so the logger masks it. */
  onSecret?(value: string): void;
}

export interface UpResult<C> {
  record: InstanceRecord;
  conn: C;
  /** Total wall time from the first phase to ready. */
  ms: number;
  /** The project's setup steps; a failed one leaves the instance ready (up.ts decides the exit). */
  setup?: SetupReport;
}

export async function applyUp<C extends UpConnection>(up: UpRun, d: UpDeps<C>): Promise<UpResult<C>> {
  const { plan, settings, environment: env } = up;
  const { provider, store, ssh, signal } = d;
  const run = new PhaseRun<C>(d);
  try {
    await run.phase(
      "generate_cloud_config",
      async () => plan,
      (p) => `${p.encoded.bytes} bytes of user-data`,
    );

    // Intent record before any billable call; then create, and remember the provider's id at once.
    run.recordId = store.save(intentRecord(plan)).id;
    const created = await run.phase(
      "create_instance",
      () => (run.pendingCreate = provider.createInstance(createRequest(up))),
      (c) => `id ${c.id}${env.prebuild ? ` from prebuild ${env.prebuild.name}` : ""}`,
    );
    store.update(run.recordId, { providerId: created.id, status: "provisioning" });

    const ready = await run.phase(
      "wait_ready",
      () => provider.waitReady(created.id, { timeoutMs: settings.timeouts.sshPortMs, signal }),
      (r) => `${r.ip}`,
    );
    const ip = ready.ip as string;
    store.update(run.recordId, { ip });
    const volume = plan.volume;
    const attached = volume
      ? await run.phase(
          "attach_volume",
          () => attachWorkspaceVolume(provider, store, volume, ready, plan.sshUser, signal),
          (v) => `${v.name} (${v.sizeGb} GB, ${v.id})`,
        )
      : undefined;
    await run.phase("wait_ssh", () => ssh.waitSsh(ip, signal));
    const conn = await run.phase("login", () => ssh.login(ip, plan.sshUser, plan.hostPublicKey, signal));
    run.conn = conn;
    const recordId = run.recordId;
    await run.phase("rotate_host_key", () =>
      ssh.rotateHostKey(
        conn,
        { host: ip, user: plan.sshUser, accepted: plan.hostPublicKey, signal },
        (keys) => store.update(recordId, { hostKey: keys }),
      ),
    );

    // The agent and its token over the pinned connection (never in user-data); it starts once
    // cloud-init is done (Node may come from it), whose log's last line is the live detail.
    const token = newAgentToken();
    d.onSecret?.(token);
    saveAgentToken(d.paths.instanceDir(plan.name), token);
    await run.phase("upload_agent", () => ssh.uploadAgent(conn, up.agentBundle, token));
    await run.phase(
      "wait_cloud_init",
      () => ssh.waitCloudInit(conn, (line) => run.progress("wait_cloud_init", line)),
      (s) => s,
    );
    if (attached) {
      const mount = ssh.mountVolume;
      if (!mount) throw new Error("applyUp: a volume was planned but the SSH operations cannot mount one");
      await run.phase(
        "mount_volume",
        async () => recordMount(store, provider.name, attached, await mount(conn, attached, plan.sshUser)),
        (x) => x,
      );
    }
    await run.phase("start_agent", () => ssh.startAgent(conn, token));

    // The developer's environment: bundles start in the background, then the project's setup
    // runs as the dev user with the forwarded agent. A failed step is reported, not thrown: the
    // machine is usable and the command decides the exit code.
    if (hasEnvironment(env)) {
      await run.phase(
        "environment",
        () => ssh.deliverEnvironment(conn, env, plan.sshUser),
        (x) => x,
        undefined,
        () => env.prebuild !== undefined && env.background.length > 0,
      );
    }
    const setup = hasSetup(env)
      ? await run.phase(
          "setup",
          () => ssh.runSetup(conn, plan.sshUser, (line) => run.progress("setup", line)),
          setupDetail,
          (r) => !r.ok,
          (r) => r.steps.some((s) => s.reason === "cached"),
        )
      : undefined;

    // Ready: state, and the ssh_config entry that makes `ssh spuff-NAME` work.
    const record = store.update(run.recordId, {
      status: "ready",
      phase: null,
      owner: null,
      readyAt: new Date(d.clock.now()).toISOString(),
    }) as InstanceRecord;
    syncSshFiles(
      d.paths,
      hostEntries(store.list(), { identityFile: settings.sshKeyPath, forwardAgent: settings.forwardAgent }),
    );
    return { record, conn, ms: d.clock.now() - run.started, ...(setup ? { setup } : {}) };
  } catch (err) {
    throw await failUp(run, err, d);
  }
}

/** The record saved before the create: `creating`, owned by this process (gc leaves it alone). */
export function intentRecord(plan: UpPlan): NewInstance {
  return {
    name: plan.name,
    provider: plan.provider,
    providerId: null,
    region: plan.region,
    size: plan.size,
    image: plan.snapshot ?? plan.image,
    ip: null,
    sshPort: 22,
    sshUser: plan.sshUser,
    status: "creating",
    phase: "create_instance",
    tags: plan.labels,
    hostKey: plan.hostPublicKey,
    idleTimeoutMs: plan.idleTimeoutMs,
    createdAt: plan.createdAt,
    readyAt: null,
    deadlineAt: plan.deadlineAt,
    error: null,
    owner: currentOwner(),
  };
}

function createRequest({ plan, userPublicKey }: UpRun) {
  return {
    name: plan.name,
    region: plan.region,
    size: plan.size,
    image: plan.imageSpec,
    userData: plan.userData,
    labels: plan.labels,
    sshPublicKey: userPublicKey,
    ...(plan.spot ? { spot: plan.spot } : {}),
    ...(plan.sshAllowFrom ? { sshAllowFrom: plan.sshAllowFrom } : {}),
  };
}

function setupDetail(r: SetupReport): string {
  if (r.failed) return `step ${r.failed.id} failed: ${r.failed.name}`;
  const done = r.steps.filter((s) => s.status === "done");
  const cached = done.filter((s) => s.reason === "cached").length;
  return `${done.length} step(s) done${cached > 0 ? ` (${cached} cached in the prebuild)` : ""}`;
}
