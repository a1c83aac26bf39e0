/**
 * planUp: everything `spuff up` will do, decided before any side effect (habit: plan, then apply).
 * Pure apart from the inputs it is given (clock time, key material), so `up --dry-run` prints
 * exactly what the real run would send.
 */
import { buildCloudConfig } from "../cloudinit/build.ts";
import type { HostKeyPair } from "../cloudinit/host-key.ts";
import { secretScan } from "../cloudinit/secret-scan.ts";
import { serializeCloudConfig } from "../cloudinit/serialize.ts";
import { type EncodedUserData, encodeUserData } from "../cloudinit/user-data.ts";
import type { Settings } from "../config/resolve.ts";
import { PROVIDER_DEFAULTS } from "../providers/catalog.ts";
import type { ImageSpec } from "../providers/types.ts";
import type { VolumePlan } from "../volumes/spec.ts";
import { toImageSpec } from "./image-spec.ts";
import { checkReaperToken } from "./reaper-token-check.ts";
import { planSpot, type SpotPlan } from "./spot.ts";
import { VOLUME_LABEL } from "./volume-label.ts";

export interface UpOptions {
  name: string;
  region?: string;
  size?: string;
  image?: string;
  /** Boot from this snapshot instead of `image` (up --snapshot). */
  snapshot?: string;
  /** `up --spot`: a spot instance whatever the config says (providers with spot only). */
  spot?: boolean;
  /** The workspace volume (volumes/spec.ts planVolume), when one is asked for. */
  volume?: VolumePlan;
}

export interface UpPlan {
  name: string;
  provider: Settings["provider"];
  region: string;
  size: string;
  image: string;
  /** The snapshot to boot from, when given; the state record then names it as the image. */
  snapshot?: string;
  /** What the provider is asked to boot: the snapshot, else `image` as a distro or custom id. */
  imageSpec: ImageSpec;
  /** Labels/tags every spuff instance carries: how `gc` finds orphans. */
  labels: Record<string, string>;
  /** `ssh.allow_from`: where the provider firewall lets SSH in from; undefined = anywhere. */
  sshAllowFrom?: string[];
  sshUser: string;
  hostPublicKey: string;
  createdAt: string;
  deadlineAt: string;
  idleTimeoutMs: number;
  userData: string;
  encoded: EncodedUserData;
  /** A spot instance, capped at `maxPrice` (USD/hour) when set. */
  spot?: SpotPlan;
  /** The workspace volume mounted at ~/workspace (up/volume.ts). */
  volume?: VolumePlan;
}

export function planUp(
  settings: Settings,
  opts: UpOptions,
  inputs: {
    now: number;
    userPublicKey: string;
    hostKey: HostKeyPair;
    /** spuff.yaml's env values (secrets included): delivered over SSH, never in user-data. */
    projectSecrets?: readonly string[];
  },
): UpPlan {
  checkReaperToken(settings);
  const spot = planSpot(settings, opts.spot === true);
  const d = PROVIDER_DEFAULTS[settings.provider];
  const image = opts.image ?? settings.image ?? d.image;
  const createdAt = new Date(inputs.now).toISOString();
  const userData = serializeCloudConfig(
    buildCloudConfig({
      hostname: opts.name,
      user: settings.sshUser,
      userPublicKey: inputs.userPublicKey,
      hostKey: inputs.hostKey,
      provider: settings.provider,
      idleTimeoutSeconds: Math.round(settings.idleTimeoutMs / 1000),
      maxLifetimeSeconds: Math.round(settings.maxLifetimeMs / 1000),
      createdAt,
      teardown: d.teardown,
      ...(settings.dotfiles ? { dotfiles: settings.dotfiles } : {}),
      ...(settings.dotfilesKnownHosts ? { dotfilesKnownHosts: settings.dotfilesKnownHosts } : {}),
      ...(settings.agentEndpoints?.api ? { agentApiUrl: settings.agentEndpoints.api } : {}),
      ...(settings.agentEndpoints?.metadata ? { agentMetadataUrl: settings.agentEndpoints.metadata } : {}),
      ...(spot ? { spot: true } : {}),
      ...(opts.volume ? { workspaceOnVolume: true } : {}),
    }),
  );
  // Anything on the VM that reaches the metadata service can read user-data: no token of ours
  // (API, reaper) may be in it. The agent token is made later, from randomness, never from here.
  secretScan(userData, [...settingsSecrets(settings), ...(inputs.projectSecrets ?? [])]);
  return {
    name: opts.name,
    provider: settings.provider,
    // Flags win, then config (provider section, then top level), then the provider's default.
    region: opts.region ?? settings.region ?? d.region,
    size: opts.size ?? settings.size ?? d.size,
    image,
    ...(opts.snapshot ? { snapshot: opts.snapshot } : {}),
    imageSpec: toImageSpec(image, opts.snapshot),
    labels: {
      spuff: "true",
      "spuff-name": opts.name,
      "managed-by": "spuff-cli",
      ...(opts.volume ? { [VOLUME_LABEL]: opts.volume.name } : {}),
    },
    ...(opts.volume ? { volume: opts.volume } : {}),
    ...(settings.sshAllowFrom ? { sshAllowFrom: settings.sshAllowFrom } : {}),
    sshUser: settings.sshUser,
    hostPublicKey: inputs.hostKey.publicKey,
    createdAt,
    deadlineAt: new Date(inputs.now + settings.maxLifetimeMs).toISOString(),
    idleTimeoutMs: settings.idleTimeoutMs,
    userData,
    // Size limits are checked here, before any API call.
    encoded: encodeUserData(userData, settings.provider),
    ...(spot ? { spot } : {}),
  };
}

/** Every secret the settings hold (API tokens, the reaper token). */
export function settingsSecrets(settings: Settings): string[] {
  return [...Object.values(settings.tokens), settings.reaperToken]
    .filter((t) => t !== undefined)
    .map((t) => t.value);
}

/** `spuff-` + 8 hex chars, as the seed names instances. */
export function generateName(random: () => number = Math.random): string {
  return `spuff-${Math.floor(random() * 0xffffffff)
    .toString(16)
    .padStart(8, "0")}`;
}
