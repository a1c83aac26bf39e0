/**
 * `up`'s plan, made once by the command before any side effect (name, placement, image or
 * snapshot, host key, cloud-config, environment), and `up --dry-run`, which prints exactly it.
 */
import fs from "node:fs";
import path from "node:path";
import type { Deps } from "../cli/deps.ts";
import { generateHostKey } from "../cloudinit/host-key.ts";
import type { ProviderName } from "../config/schema.ts";
import { UserError } from "../core/errors.ts";
import { printJson } from "../core/io.ts";
import { type PrebuildKey, prebuildKey } from "../prebuild/key.ts";
import { gitKnownHosts, userKnownHostsFile } from "../project/git-hosts.ts";
import { type Project, projectFor, projectSecrets } from "../project/load.ts";
import { parsePublicKeyFile } from "../ssh/public-key.ts";
import { type EnvironmentPlan, planEnvironment } from "../up/environment.ts";
import { phasesFor } from "../up/phases.ts";
import { generateName, planUp } from "../up/plan.ts";
import { parseVolumeFlag, planVolume } from "../volumes/spec.ts";
import { spotLines, spotQuote } from "./up-spot.ts";

/** What `spuff prebuild` changes in the plan: nothing of the user's own (dotfiles) is baked in. */
export interface PlanMode {
  prebuild?: boolean;
}

export interface UpCommandOptions {
  provider?: ProviderName;
  region?: string;
  size?: string;
  image?: string;
  dryRun?: boolean;
  snapshot?: string;
  /** --no-connect: stop once ready and print how to connect. */
  connect?: boolean;
  /** --volume NAME[:GB]: a workspace volume (volumes/spec.ts). */
  volume?: string;
  /** Exit 0 even when a spuff.yaml setup step failed (the instance is kept either way). */
  allowSetupFailure?: boolean;
  /** Create even when budget.monthly / budget.max_hourly would refuse (said on stderr). */
  ignoreBudget?: boolean;
  /** A spot machine (AWS only; refused elsewhere). */
  spot?: boolean;
}

/**
 * The settings, the user's key and spuff.yaml (from the current directory upward, validated) →
 * the plan. The project's name and resources fill in what the command line left out (flags win,
 * config comes last). User-data limits and the secret scan are checked here.
 */
export async function planFromCommand(
  deps: Deps,
  name: string | undefined,
  opts: UpCommandOptions,
  mode: PlanMode = {},
) {
  const loaded = await deps.settings(opts.provider ? { provider: opts.provider } : {});
  // A prebuild is shared by everyone who boots it: the user's dotfiles stay out of it.
  const settings = mode.prebuild ? { ...loaded, dotfiles: undefined } : loaded;
  const userPublicKey = readPublicKey(settings.sshKeyPath);
  const project: Project | undefined = projectFor(process.cwd(), deps.env);
  // Git on the VM trusts only host keys the user accepted here: an unknown host fails now.
  if (project && !mode.prebuild)
    project.gitKnownHosts = gitKnownHosts(project.repositories, userKnownHostsFile(deps.env));
  if (settings.dotfiles)
    settings.dotfilesKnownHosts = gitKnownHosts(
      [{ url: settings.dotfiles, path: "dotfiles" }],
      userKnownHostsFile(deps.env),
    );
  for (const key of project?.secretKeys ?? []) deps.log.addSecret(project?.env[key]);
  const instanceName = name ?? project?.name ?? generateName();
  const volume = planVolume(
    {
      ...(opts.volume !== undefined ? { flag: parseVolumeFlag(opts.volume) } : {}),
      ...(project?.volume ? { project: project.volume } : {}),
      ...(settings.volume ? { config: settings.volume } : {}),
    },
    project?.name ?? instanceName,
  );
  const plan = planUp(
    settings,
    {
      name: instanceName,
      region: opts.region ?? project?.resources.region,
      size: opts.size ?? project?.resources.size,
      image: opts.image,
      ...(opts.snapshot ? { snapshot: opts.snapshot } : {}),
      ...(opts.spot ? { spot: true } : {}),
      ...(volume ? { volume } : {}),
    },
    {
      now: deps.clock.now(),
      userPublicKey,
      hostKey: generateHostKey(),
      projectSecrets: projectSecrets(project),
    },
  );
  const environment: EnvironmentPlan = planEnvironment(settings, project);
  return { settings, userPublicKey, project, plan, environment };
}

export type CommandPlan = Awaited<ReturnType<typeof planFromCommand>>;

/**
 * The same plan under another name and/or booting a snapshot (a prebuild): the settings and the
 * project already loaded (and approved) are reused, never read again; a new host key.
 */
export function replan(deps: Deps, c: CommandPlan, o: { name?: string; snapshot?: string }): CommandPlan {
  const plan = planUp(
    c.settings,
    {
      name: o.name ?? c.plan.name,
      region: c.plan.region,
      size: c.plan.size,
      image: c.plan.image,
      ...(o.snapshot ? { snapshot: o.snapshot } : {}),
      ...(c.plan.spot ? { spot: true } : {}),
      ...(c.plan.volume ? { volume: c.plan.volume } : {}),
    },
    {
      now: deps.clock.now(),
      userPublicKey: c.userPublicKey,
      hostKey: generateHostKey(),
      projectSecrets: projectSecrets(c.project),
    },
  );
  return { ...c, plan };
}

/** The prebuild key of this plan's environment; undefined without a project or anything to bake. */
export function prebuildKeyOf({
  settings,
  plan,
  project,
  environment,
}: CommandPlan): PrebuildKey | undefined {
  if (!project) return undefined;
  const holds =
    environment.background.length +
    project.bundles.length +
    project.packages.length +
    project.prebuild.length;
  if (holds === 0) return undefined;
  return prebuildKey(project.name ?? path.basename(project.root), {
    provider: settings.provider,
    image: plan.image,
    user: plan.sshUser,
    background: environment.background,
    project,
  });
}

/** The user's .pub, parsed strictly (ssh/public-key.ts): a bad one is refused, naming the file. */
function readPublicKey(privateKeyPath: string): string {
  const pub = `${privateKeyPath}.pub`;
  let text: string;
  try {
    text = fs.readFileSync(pub, "utf8");
  } catch {
    throw new UserError("ssh_key_missing", `SSH public key not found: ${pub}`, {
      hint: `Create a key with \`ssh-keygen -t ed25519 -f ${privateKeyPath}\`, or point ssh_key_path at yours: spuff config set ssh_key_path PATH`,
    });
  }
  return parsePublicKeyFile(text, pub).line;
}

/** The plan and the exact user-data; no provider call but a spot machine's price lookup. */
export async function printDryRun(deps: Deps, c: CommandPlan): Promise<void> {
  const { plan, project, environment } = c;
  const spot = await spotQuote(deps, plan);
  if (deps.json) {
    printJson(deps.io, {
      dry_run: true,
      name: plan.name,
      provider: plan.provider,
      region: plan.region,
      size: plan.size,
      image: plan.image,
      snapshot: plan.snapshot ?? null,
      volume: plan.volume ? { name: plan.volume.name, size_gb: plan.volume.sizeGb } : null,
      labels: plan.labels,
      ssh_user: plan.sshUser,
      host_public_key: plan.hostPublicKey,
      created_at: plan.createdAt,
      deadline_at: plan.deadlineAt,
      idle_timeout_ms: plan.idleTimeoutMs,
      user_data: plan.userData,
      user_data_bytes: plan.encoded.bytes,
      user_data_encoding: plan.encoded.kind,
      spot: spot ?? null,
      // Applied over SSH after login, never in user-data (env values are not shown).
      environment: {
        project_file: project?.file ?? null,
        background_bundles: environment.background,
        phases: phasesFor(environment, { volume: plan.volume !== undefined }),
        // The prebuild `up` would look for (the provider is not asked in a dry run).
        prebuild_name: prebuildKeyOf(c)?.name ?? null,
      },
    });
    return;
  }
  const image = plan.snapshot ? `snapshot ${plan.snapshot}` : plan.image;
  deps.io.err.write(
    `Plan (dry run, nothing created): ${plan.name} on ${plan.provider} ${plan.region} / ${plan.size} / ${image}\n` +
      `  user ${plan.sshUser}, idle timeout ${Math.round(plan.idleTimeoutMs / 60000)} min, deadline ${plan.deadlineAt}\n` +
      `  pinned host key ${plan.hostPublicKey.split(" ").slice(0, 2).join(" ")}\n` +
      (spot ? spotLines(spot) : "") +
      `  user-data: ${plan.encoded.bytes} bytes (${plan.encoded.kind}); it follows on stdout\n` +
      (plan.volume
        ? `  volume ${plan.volume.name} (${plan.volume.sizeGb} GB if new) at ~/workspace, kept by down\n`
        : "") +
      (project ? `  project ${project.file}: setup over SSH after login\n` : "") +
      (environment.background.length ? `  bundles (background): ${environment.background.join(", ")}\n` : ""),
  );
  deps.io.out.write(plan.userData);
}
