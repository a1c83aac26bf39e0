/**
 * The workspace volume of an `up` (src/volumes/spec.ts plans it): checked before anything is
 * billed, found or created in the instance's region and attached once the instance exists
 * (phase attach_volume), then formatted-if-blank and mounted at ~/workspace over SSH
 * (mount_volume, src/volumes/scripts/volume-mount.sh) before the environment clones into it.
 * State knows a volume before the provider call that creates it (an intent row, as for
 * instances), so an interrupted create leaves nothing spuff cannot name.
 */
import { homeOf } from "../cloudinit/build.ts";
import { EMBEDDED_SCRIPTS } from "../cloudinit/scripts.generated.ts";
import { shellQuote } from "../cloudinit/shell-quote.ts";
import { UserError } from "../core/errors.ts";
import type { Provider, ProviderInstance, Volume, VolumeOps } from "../providers/types.ts";
import type { InstanceStore } from "../state/instances.ts";
import type { VolumePlan } from "../volumes/spec.ts";

/** How long an attach or detach may take before `up`/`down` stop waiting. */
export const VOLUME_ACTION_TIMEOUT_MS = 5 * 60_000;

export { VOLUME_LABEL } from "./volume-label.ts";

export function volumeOps(provider: Provider): VolumeOps {
  if (!provider.volumes)
    throw new UserError("volumes_unsupported", `Workspace volumes are not available on ${provider.name}.`, {
      hint: "Leave out --volume (and volume: in spuff.yaml/config), or use --provider digitalocean.",
    });
  return provider.volumes;
}

/** Regions match exactly, or an AWS availability zone lies in the region (us-east-1a ⊂ us-east-1). */
export const sameRegion = (volumeRegion: string, region: string) =>
  volumeRegion === region ||
  (volumeRegion.startsWith(region) && /^[a-z]$/.test(volumeRegion.slice(region.length)));

/** An AWS availability zone's region (us-east-1a → us-east-1); other providers' regions as they are. */
const regionOf = (r: string) => /^(.*\d)[a-z]$/.exec(r)?.[1] ?? r;

/**
 * Before anything is created: the provider has volumes, and an existing volume of that name is in
 * the plan's region, attached to nothing, and not smaller than asked.
 */
export async function checkVolumeBeforeUp(provider: Provider, v: VolumePlan, region: string): Promise<void> {
  const existing = await volumeOps(provider).findVolume(v.name);
  if (!existing) return;
  if (!sameRegion(existing.region, region))
    throw new UserError("volume_region", `Volume ${v.name} is in ${existing.region}, not ${region}.`, {
      hint: `A machine can only attach a volume in its own region: add --region ${regionOf(existing.region)}.`,
    });
  if (existing.attachedTo.length > 0)
    throw new UserError(
      "volume_in_use",
      `Volume ${v.name} is attached to instance ${existing.attachedTo.join(", ")}.`,
      {
        hint: "A volume is on one machine at a time: `spuff down` that instance first (the volume stays).",
      },
    );
  if (v.sizeAsked && v.sizeGb > existing.sizeGb)
    throw new UserError("volume_too_small", `Volume ${v.name} has ${existing.sizeGb} GB, not ${v.sizeGb}.`, {
      hint: `Grow it first: spuff volume resize ${v.name} ${v.sizeGb}`,
    });
}

/**
 * attach_volume: find or create (intent row first), then attach; resolves with it attached. A
 * provider that mounts volumes itself (local nspawn) mounts it at `user`'s ~/workspace.
 */
export async function attachWorkspaceVolume(
  provider: Provider,
  store: InstanceStore,
  v: VolumePlan,
  inst: ProviderInstance,
  user: string,
  signal?: AbortSignal,
): Promise<Volume> {
  const ops = volumeOps(provider);
  const known = store.volumes.get(provider.name, v.name);
  let vol = await ops.findVolume(v.name);
  if (!vol) {
    // The intent row names no id: an id from an earlier volume of this name (deleted outside
    // spuff) would make gc call the new one unknown if this process dies before the id is saved.
    // Its filesystem UUID stays, so mount_volume reports the volume as replaced.
    store.volumes.put({
      provider: provider.name,
      name: v.name,
      providerId: "",
      region: inst.region,
      sizeGb: v.sizeGb,
      fsUuid: known?.fsUuid ?? null,
    });
    vol = await ops.createVolume({
      name: v.name,
      sizeGb: v.sizeGb,
      region: inst.region,
      instanceId: inst.id,
    });
  }
  store.volumes.put({
    provider: provider.name,
    name: vol.name,
    providerId: vol.id,
    region: vol.region,
    sizeGb: vol.sizeGb,
    fsUuid: known?.fsUuid ?? null,
  });
  return ops.attachVolume(vol.id, inst.id, {
    timeoutMs: VOLUME_ACTION_TIMEOUT_MS,
    mountPath: workspaceOf(user),
    ...(signal ? { signal } : {}),
  });
}

export interface MountResult {
  uuid: string;
  formatted: boolean;
}

const workspaceOf = (user: string) => `${homeOf(user)}/workspace`;

/**
 * The command line `up` runs over SSH: the script on stdin, every value a quoted argument. A
 * volume the provider mounted already (`Volume.mounted`) is only checked and handed to the user.
 */
export function mountCommand(vol: Volume, user: string): { command: string; stdin: string } {
  const args = vol.mounted
    ? ["--mounted", workspaceOf(user), user]
    : [vol.devicePath, workspaceOf(user), vol.name.slice(0, 16), user];
  return {
    command: `sudo -n bash -s -- ${args.map(shellQuote).join(" ")}`,
    stdin: EMBEDDED_SCRIPTS["volume-mount.sh"],
  };
}

/** What the script reports; for a volume the provider mounted, what the provider reported. */
export function parseMountOutput(stdout: string, vol?: Volume): MountResult {
  if (vol?.mounted) {
    if (!/^mounted=yes$/m.test(stdout))
      throw new UserError(
        "volume_mount_failed",
        "The volume the host mounted is not at ~/workspace in the machine.",
      );
    return { uuid: vol.mounted.fsUuid, formatted: vol.mounted.formatted };
  }
  const uuid = /^uuid=([0-9a-fA-F-]{8,})$/m.exec(stdout)?.[1];
  const formatted = /^formatted=(yes|no)$/m.exec(stdout)?.[1];
  if (!uuid || !formatted)
    throw new UserError(
      "volume_mount_failed",
      "The volume was mounted but its filesystem did not identify itself.",
    );
  return { uuid, formatted: formatted === "yes" };
}

/**
 * After mount_volume: remember the filesystem UUID. A volume spuff had seen with a filesystem that
 * now shows another one is reported (the detail line), never silently accepted.
 */
export function recordMount(store: InstanceStore, provider: string, vol: Volume, m: MountResult): string {
  const before = store.volumes.get(provider, vol.name)?.fsUuid ?? null;
  store.volumes.put({
    provider,
    name: vol.name,
    providerId: vol.id,
    region: vol.region,
    sizeGb: vol.sizeGb,
    fsUuid: m.uuid,
  });
  const what = m.formatted ? "formatted (new volume)" : "existing filesystem";
  const changed = before && before !== m.uuid ? ` (filesystem UUID changed from ${before})` : "";
  return `${vol.name} on ~/workspace, ${vol.sizeGb} GB, ${what}, UUID ${m.uuid}${changed}`;
}
