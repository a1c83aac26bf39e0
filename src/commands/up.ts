/**
 * `spuff up [name]`: create an instance and wait until SSH and cloud-init are done (the work is in
 * up/bring-up.ts; this file parses, renders progress and connects). `--dry-run` prints the plan
 * and the exact user-data without calling any provider.
 */
import fs from "node:fs";
import type { Deps } from "../cli/deps.ts";
import { generateHostKey } from "../cloudinit/host-key.ts";
import type { ProviderName } from "../config/schema.ts";
import { UserError } from "../core/errors.ts";
import { printJson } from "../core/io.ts";
import { type Project, projectFor, projectSecrets } from "../project/load.ts";
import { saveProjectRecord } from "../project/record.ts";
import { providerFromDeps } from "../providers/from-deps.ts";
import { hostAlias } from "../ssh/ssh-config.ts";
import { bringUp, phasesFor } from "../up/bring-up.ts";
import { planEnvironment } from "../up/environment.ts";
import { trapInterrupts } from "../up/interrupt.ts";
import { generateName, planUp } from "../up/plan.ts";
import { settleIfInterrupted } from "./up-interrupted.ts";
import { createUpProgress } from "./up-progress.ts";
import { reportSetup, setupJson } from "./up-setup.ts";

export interface UpCommandOptions {
  provider?: ProviderName;
  region?: string;
  size?: string;
  image?: string;
  dryRun?: boolean;
  snapshot?: string;
  /** --no-connect: stop once ready and print how to connect. */
  connect?: boolean;
  /** Exit 0 even when a spuff.yaml setup step failed (the instance is kept either way). */
  allowSetupFailure?: boolean;
}

/**
 * spuff.yaml from the current directory upward, validated before anything is created; its
 * name and resources fill in what the command line left out (flags win, config comes last).
 */
function withProject(deps: Deps, name: string | undefined, opts: UpCommandOptions) {
  const project: Project | undefined = projectFor(process.cwd(), deps.env);
  return {
    project,
    options: {
      name: name ?? project?.name ?? generateName(),
      region: opts.region ?? project?.resources.region,
      size: opts.size ?? project?.resources.size,
      image: opts.image,
    },
  };
}

function readPublicKey(privateKeyPath: string): string {
  const pub = `${privateKeyPath}.pub`;
  try {
    return fs.readFileSync(pub, "utf8").trim();
  } catch {
    throw new UserError("ssh_key_missing", `SSH public key not found: ${pub}`, {
      hint: `Create a key with \`ssh-keygen -t ed25519 -f ${privateKeyPath}\`, or point ssh_key_path at yours: spuff config set ssh_key_path PATH`,
    });
  }
}

export async function runUp(deps: Deps, name: string | undefined, opts: UpCommandOptions): Promise<void> {
  if (!opts.dryRun) return runUpForReal(deps, name, opts);
  const settings = await deps.settings(opts.provider ? { provider: opts.provider } : {});
  const { project, options } = withProject(deps, name, opts);
  const plan = planUp(settings, options, {
    now: deps.clock.now(),
    userPublicKey: readPublicKey(settings.sshKeyPath),
    hostKey: generateHostKey(),
    projectSecrets: projectSecrets(project),
  });
  const environment = planEnvironment(settings, project);
  if (deps.json) {
    printJson(deps.io, {
      dry_run: true,
      name: plan.name,
      provider: plan.provider,
      region: plan.region,
      size: plan.size,
      image: plan.image,
      labels: plan.labels,
      ssh_user: plan.sshUser,
      host_public_key: plan.hostPublicKey,
      created_at: plan.createdAt,
      deadline_at: plan.deadlineAt,
      idle_timeout_ms: plan.idleTimeoutMs,
      user_data: plan.userData,
      user_data_bytes: plan.encoded.bytes,
      user_data_encoding: plan.encoded.kind,
      // Applied over SSH after login, never in user-data (env values are not shown).
      environment: {
        project_file: project?.file ?? null,
        background_bundles: environment.background,
        phases: phasesFor(environment),
      },
    });
    return;
  }
  deps.io.err.write(
    `Plan (dry run, nothing created): ${plan.name} on ${plan.provider} ${plan.region} / ${plan.size} / ${plan.image}\n` +
      `  user ${plan.sshUser}, idle timeout ${Math.round(plan.idleTimeoutMs / 60000)} min, deadline ${plan.deadlineAt}\n` +
      `  pinned host key ${plan.hostPublicKey.split(" ").slice(0, 2).join(" ")}\n` +
      `  user-data: ${plan.encoded.bytes} bytes (${plan.encoded.kind}); it follows on stdout\n` +
      (project ? `  project ${project.file}: setup over SSH after login\n` : "") +
      (environment.background.length ? `  bundles (background): ${environment.background.join(", ")}\n` : ""),
  );
  deps.io.out.write(plan.userData);
}

async function runUpForReal(deps: Deps, name: string | undefined, opts: UpCommandOptions): Promise<void> {
  const settings = await deps.settings(opts.provider ? { provider: opts.provider } : {});
  const userPublicKey = readPublicKey(settings.sshKeyPath);
  const { project, options } = withProject(deps, name, opts);
  const environment = planEnvironment(settings, project);
  const store = await deps.state();
  const instanceName = options.name;
  if (store.getByName(instanceName)) {
    throw new UserError("instance_exists", `An instance named ${instanceName} already exists.`, {
      hint: `Pick another name, or remove it first: spuff down ${instanceName}`,
    });
  }
  const provider = await providerFromDeps(deps, settings.provider);
  const progress = await createUpProgress(deps, phasesFor(environment));
  // Ctrl-C/SIGTERM from here on: destroy or keep what was created, never abandon it (exit 130).
  const trap = trapInterrupts((line) => deps.io.err.write(line));
  const { record, conn, ms, setup } = await bringUp({
    settings,
    provider,
    store,
    clock: deps.clock,
    paths: deps.paths,
    env: deps.env,
    options: { ...options, snapshot: opts.snapshot },
    userPublicKey,
    environment,
    onEvent: (e) => progress.onEvent(e),
    signal: trap.signal,
  })
    .finally(() => progress.end())
    .catch((err) => settleIfInterrupted(deps, err, { store, provider, signal: trap.received() }))
    .finally(() => trap.dispose());
  // Ports and pre_down for `ssh`/`tunnel`/`down`, whatever the directory they run in.
  if (project) saveProjectRecord(deps.paths.instanceDir(record.name), project);
  try {
    const interactive = opts.connect !== false && !deps.json && deps.io.stdinIsTTY && deps.io.stdoutIsTTY;
    if (deps.json) {
      // The last NDJSON event: one line, like the phase events before it.
      const ready = { event: "ready", name: record.name, provider: record.provider, ip: record.ip, ms };
      const s = setupJson(setup);
      deps.io.out.write(
        `${JSON.stringify({ ...ready, ssh: `ssh ${hostAlias(record.name)}`, ...(s ? { setup: s } : {}) })}\n`,
      );
      reportSetup(deps, record.name, setup, opts.allowSetupFailure === true);
      return;
    }
    deps.io.err.write(
      `Ready in ${(ms / 1000).toFixed(1)}s: ${record.name} (${record.provider}, ${record.ip})\n`,
    );
    reportSetup(deps, record.name, setup, opts.allowSetupFailure === true);
    if (!interactive) {
      deps.io.out.write(
        `Connect with: spuff ssh ${record.name}   (or: ssh ${hostAlias(record.name)} after spuff ssh-config install)\n`,
      );
      return;
    }
    const { shell } = await import("../ssh/shell.ts");
    const code = await shell(conn, {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      term: deps.env.TERM,
    });
    process.exitCode = code;
  } finally {
    await conn.close();
  }
}
