/**
 * `spuff up`, the seed's data flow as named, timed phases: generate cloud-config → intent record
 * → create instance → wait ready → wait SSH → login (pinned host key) → wait for cloud-init →
 * ready (ssh_config entry written). The intent record goes to state *before* the provider call and
 * gets the provider id right after, and the instance carries spuff's labels and a unique name, so
 * an interruption never leaves a billable instance spuff cannot find.
 */

import { generateHostKey } from "../cloudinit/host-key.ts";
import type { Settings } from "../config/resolve.ts";
import type { Clock } from "../core/clock.ts";
import { isSpuffError, UserError } from "../core/errors.ts";
import type { Paths } from "../core/paths.ts";
import { projectSecrets } from "../project/load.ts";
import type { Provider, ProviderInstance } from "../providers/types.ts";
import type { Connection } from "../ssh/connection.ts";
import { hostEntries, syncSshFiles } from "../ssh/sync-files.ts";
import { waitForLogin, waitForPort } from "../ssh/wait.ts";
import type { InstanceStore } from "../state/instances.ts";
import { currentOwner } from "../state/owner.ts";
import type { InstanceRecord } from "../state/types.ts";
import { findAgentBundle, newAgentToken, saveAgentToken, startAgent, uploadAgent } from "./agent-install.ts";
import { cloudInitTail, followCloudInitLog } from "./cloud-init-log.ts";
import { waitCloudInit } from "./cloud-init-wait.ts";
import {
  deliverEnvironment,
  type EnvironmentPlan,
  hasEnvironment,
  hasSetup,
  runSetup,
  type SetupReport,
} from "./environment.ts";
import { toImageSpec } from "./image-spec.ts";
import { recordInterrupted, untilAborted } from "./interrupt.ts";
import { planUp, type UpOptions } from "./plan.ts";

export const UP_PHASES = [
  "generate_cloud_config",
  "create_instance",
  "wait_ready",
  "wait_ssh",
  "login",
  "upload_agent",
  "wait_cloud_init",
  "start_agent",
  // Only when there is something to do (phasesFor): config bundles and/or a spuff.yaml.
  "environment",
  "setup",
] as const;
export type UpPhase = (typeof UP_PHASES)[number];

/** The phases this `up` will go through, in order (what the progress list shows). */
export function phasesFor(env: EnvironmentPlan | undefined): UpPhase[] {
  return UP_PHASES.filter(
    (p) =>
      (p !== "environment" || (env !== undefined && hasEnvironment(env))) &&
      (p !== "setup" || (env !== undefined && hasSetup(env))),
  );
}

export interface PhaseEvent {
  phase: UpPhase;
  /** progress: a detail update while the phase runs (wait_cloud_init: the log's last line). */
  status: "start" | "progress" | "done" | "failed";
  /** Duration of the phase (done/failed). */
  ms?: number;
  detail?: string;
}

export interface BringUpInputs {
  settings: Settings;
  provider: Provider;
  store: InstanceStore;
  clock: Clock;
  paths: Paths;
  env: NodeJS.ProcessEnv;
  options: UpOptions & { snapshot?: string };
  userPublicKey: string;
  onEvent(e: PhaseEvent): void;
  /** Aborted by Ctrl-C/SIGTERM (up/interrupt.ts): the phase stops, bringUp rejects with the reason. */
  signal?: AbortSignal;
  /** Bundles and the project's spuff.yaml (up/environment.ts), applied once the agent runs. */
  environment?: EnvironmentPlan;
}

export interface BringUpResult {
  record: InstanceRecord;
  conn: Connection;
  /** Total wall time from the first phase to ready. */
  ms: number;
  /** The project's setup steps; a failed one leaves the instance ready (up.ts decides the exit). */
  setup?: SetupReport;
}

/** Where `up` stopped: the phase, the cause's own hint, and the last cloud-init lines if any. */
export class UpFailedError extends UserError {
  constructor(phase: UpPhase, cause: unknown, o: { cloudInitTail?: string; instanceKept: boolean }) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const tail = o.cloudInitTail ? `\n--- last cloud-init output ---\n${o.cloudInitTail}` : "";
    const causeHint = isSpuffError(cause) ? cause.hint : undefined;
    const kept = o.instanceKept
      ? "The instance is kept for inspection: `spuff list`, then `spuff down NAME` to remove it."
      : undefined;
    super("up_failed", `spuff up failed during ${phase}: ${why}${tail}`, {
      cause,
      hint: [causeHint, kept].filter(Boolean).join("\n") || undefined,
      details: { phase, instance_kept: o.instanceKept },
    });
  }
}

export async function bringUp(i: BringUpInputs): Promise<BringUpResult> {
  const { settings, provider, store, clock } = i;
  const started = clock.now();
  let current: UpPhase = "generate_cloud_config";
  let currentStarted = started;
  let recordId: string | undefined;
  let conn: Connection | undefined;
  let pendingCreate: Promise<ProviderInstance> | undefined;

  const phase = async <T>(
    name: UpPhase,
    work: () => Promise<T>,
    detail?: (r: T) => string,
    failedIf?: (r: T) => boolean,
  ): Promise<T> => {
    current = name;
    const t0 = clock.now();
    currentStarted = t0;
    i.onEvent({ phase: name, status: "start" });
    if (recordId) store.update(recordId, { phase: name });
    const r = await untilAborted(work(), i.signal);
    i.onEvent({
      phase: name,
      status: failedIf?.(r) ? "failed" : "done",
      ms: clock.now() - t0,
      ...(detail ? { detail: detail(r) } : {}),
    });
    return r;
  };

  try {
    // 1. Cloud-config as data, with a host key generated here and pinned from the first byte.
    const hostKey = generateHostKey();
    const plan = await phase(
      "generate_cloud_config",
      async () =>
        planUp(settings, i.options, {
          now: clock.now(),
          userPublicKey: i.userPublicKey,
          hostKey,
          projectSecrets: projectSecrets(i.environment?.project),
        }),
      (p) => `${p.encoded.bytes} bytes of user-data`,
    );

    // 2. Intent record before any billable call.
    const record = store.save({
      name: plan.name,
      provider: plan.provider,
      providerId: null,
      region: plan.region,
      size: plan.size,
      image: i.options.snapshot ?? plan.image,
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
      // Marks the record as in progress while this process lives: gc elsewhere leaves it alone.
      owner: currentOwner(),
    });
    recordId = record.id;

    // 3. Create, and remember the provider's id at once.
    const created = await phase(
      "create_instance",
      () =>
        (pendingCreate = provider.createInstance({
          name: plan.name,
          region: plan.region,
          size: plan.size,
          image: toImageSpec(plan.image, i.options.snapshot),
          userData: plan.userData,
          labels: plan.labels,
          sshPublicKey: i.userPublicKey,
        })),
      (c) => `id ${c.id}`,
    );
    store.update(record.id, { providerId: created.id, status: "provisioning" });

    // 4. Active with an address.
    const ready = await phase(
      "wait_ready",
      () => provider.waitReady(created.id, { timeoutMs: settings.timeouts.sshPortMs, signal: i.signal }),
      (r) => `${r.ip}`,
    );
    const ip = ready.ip as string;
    store.update(record.id, { ip });

    // 5. sshd answers (its banner, not just an open port).
    await phase("wait_ssh", () =>
      waitForPort(ip, 22, { timeoutMs: settings.timeouts.sshPortMs, signal: i.signal }),
    );

    // 6. Login with the pinned host key (the user exists once cloud-init made it).
    conn = await phase("login", () =>
      waitForLogin(
        {
          host: ip,
          user: plan.sshUser,
          privateKeyPath: settings.sshKeyPath,
          agentSocket: i.env.SSH_AUTH_SOCK,
          pinnedHostKey: plan.hostPublicKey,
          forwardAgent: settings.forwardAgent,
        },
        { timeoutMs: settings.timeouts.sshLoginMs, signal: i.signal },
      ),
    );

    // 7. The agent and its token, over the pinned connection (never in user-data).
    const openConn = conn;
    const token = newAgentToken();
    saveAgentToken(i.paths.instanceDir(plan.name), token);
    await phase("upload_agent", () =>
      uploadAgent(
        openConn,
        findAgentBundle(i.env),
        token,
        settings.timeouts.execMs,
        settings.reaperToken?.value,
      ),
    );

    // 8. cloud-init finished without errors; then the agent can run (Node may come from it).
    // Meanwhile the log's last line is the phase's live detail.
    await phase(
      "wait_cloud_init",
      async () => {
        const follow = followCloudInitLog(
          openConn,
          (line) => i.onEvent({ phase: "wait_cloud_init", status: "progress", detail: line }),
          { maxPolls: Math.ceil(settings.timeouts.cloudInitMs / 1000) + 1 },
        );
        try {
          return await waitCloudInit(openConn, settings.timeouts.cloudInitMs);
        } finally {
          follow.stop();
        }
      },
      (s) => s,
    );
    await phase("start_agent", () => startAgent(openConn, token, settings.timeouts.execMs));

    // The developer's environment: bundles start in the background, then the project's setup
    // runs here, as the dev user with the forwarded agent. A failed step is reported, not thrown:
    // the machine is usable and `up` (up.ts) decides the exit code.
    const env = i.environment;
    if (env && hasEnvironment(env)) {
      await phase(
        "environment",
        () => deliverEnvironment(openConn, env, plan.sshUser, settings.timeouts.execMs),
        (d) => d,
      );
    }
    const setup =
      env && hasSetup(env)
        ? await phase(
            "setup",
            () =>
              runSetup(openConn, plan.sshUser, (line) =>
                i.onEvent({ phase: "setup", status: "progress", detail: line }),
              ),
            (r) =>
              r.failed
                ? `step ${r.failed.id} failed: ${r.failed.name}`
                : `${r.steps.filter((s) => s.status === "done").length} step(s) done`,
            (r) => !r.ok,
          )
        : undefined;

    // 9. Ready: state and the ssh_config entry that makes `ssh spuff-NAME` work.
    const final = store.update(record.id, {
      status: "ready",
      phase: null,
      owner: null,
      readyAt: new Date(clock.now()).toISOString(),
    }) as InstanceRecord;
    syncSshFiles(
      i.paths,
      hostEntries(store.list(), { identityFile: settings.sshKeyPath, forwardAgent: settings.forwardAgent }),
    );
    return { record: final, conn, ms: clock.now() - started, ...(setup ? { setup } : {}) };
  } catch (err) {
    if (i.signal?.aborted) {
      // Interrupted: no failure settlement; up.ts asks (or decides) whether to destroy or keep.
      i.onEvent({
        phase: current,
        status: "failed",
        ms: clock.now() - currentStarted,
        detail: "interrupted",
      });
      await conn?.close();
      throw await recordInterrupted(store, recordId, pendingCreate);
    }
    i.onEvent({
      phase: current,
      status: "failed",
      ms: clock.now() - currentStarted,
      detail: err instanceof Error ? err.message : String(err),
    });
    const tail = conn ? await cloudInitTail(conn) : undefined;
    await conn?.close();
    const instanceKept = recordId ? await settleFailedRecord(i, recordId, err) : false;
    throw err instanceof UpFailedError
      ? err
      : new UpFailedError(current, err, { cloudInitTail: tail, instanceKept });
  }
}

/**
 * After a failure: if the provider never returned an id, ask it whether an instance of that name
 * exists anyway (a lost create response). None → the intent record is dropped; one → the record
 * keeps its id, marked failed, so `down` can remove it. Returns whether an instance exists.
 */
async function settleFailedRecord(i: BringUpInputs, recordId: string, err: unknown): Promise<boolean> {
  const error = err instanceof Error ? err.message : String(err);
  const rec = i.store.get(recordId);
  if (!rec) return false;
  if (!rec.providerId) {
    let listing: ProviderInstance[] | undefined;
    try {
      listing = await i.provider.listInstances();
    } catch {
      listing = undefined; // Unknown: keep the intent record, gc reconciles later.
    }
    const found = listing?.find((x) => x.name === rec.name);
    if (listing && !found) {
      i.store.remove(recordId);
      return false;
    }
    if (found) {
      i.store.update(recordId, { providerId: found.id, ip: found.ip, status: "failed", error, owner: null });
      return true;
    }
  }
  i.store.update(recordId, { status: "failed", error, owner: null });
  return true;
}
