/**
 * What a workspace volume is called and how big it is: `up --volume NAME[:GB]`, spuff.yaml
 * `volume: { name?, size_gb }`, config `volume: { name?, size_gb }`. The name crosses into the
 * provider's API, the guest's device path, fstab and a filesystem label, so it is held to the
 * narrowest rule all providers accept (DigitalOcean's: lowercase letters, digits and "-",
 * starting with a letter), which also makes it inert in a shell or fstab line.
 */
import { UserError } from "../core/errors.ts";

export const VOLUME_NAME = /^[a-z][a-z0-9-]{0,62}$/;
export const VOLUME_NAME_HELP = "lowercase letters, digits and -, starting with a letter, at most 63";
export const DEFAULT_VOLUME_GB = 10;
export const MAX_VOLUME_GB = 16_384;

export interface VolumeWish {
  name?: string;
  sizeGb?: number;
}

export interface VolumePlan {
  name: string;
  /** Size for a volume that does not exist yet; an existing one keeps its size. */
  sizeGb: number;
  /** The size was asked for (flag, spuff.yaml or config), not the default. */
  sizeAsked: boolean;
}

/** A validated `volume:` section (config.yaml, spuff.yaml) as a VolumeWish. */
export function volumeWish(v: { name?: string | undefined; size_gb?: number | undefined }): VolumeWish {
  return { ...(v.name ? { name: v.name } : {}), ...(v.size_gb ? { sizeGb: v.size_gb } : {}) };
}

export function checkVolumeName(name: string): string {
  if (!VOLUME_NAME.test(name))
    throw new UserError("invalid_volume", `Invalid volume name ${JSON.stringify(name)}.`, {
      hint: `A volume name has ${VOLUME_NAME_HELP} characters, e.g. --volume work:20.`,
    });
  return name;
}

export function checkVolumeSize(gb: number): number {
  if (!Number.isInteger(gb) || gb < 1 || gb > MAX_VOLUME_GB)
    throw new UserError("invalid_volume", `Invalid volume size ${gb} GB.`, {
      hint: `A volume size is a whole number of GB from 1 to ${MAX_VOLUME_GB}, e.g. --volume work:20.`,
    });
  return gb;
}

/** `NAME`, `NAME:GB` or `:GB` (the name then comes from spuff.yaml, config or the project). */
export function parseVolumeFlag(value: string): VolumeWish {
  const m = /^([^:]*)(?::(\d{1,6}))?$/.exec(value);
  if (!m)
    throw new UserError("invalid_volume", `Invalid --volume ${JSON.stringify(value)}.`, {
      hint: "Use --volume NAME or --volume NAME:GB, e.g. --volume work:20.",
    });
  return {
    ...(m[1] ? { name: checkVolumeName(m[1]) } : {}),
    ...(m[2] ? { sizeGb: checkVolumeSize(Number(m[2])) } : {}),
  };
}

/**
 * The volume of this `up`, or none: the flag wins over spuff.yaml, which wins over config. A
 * volume is used when any of them asks for one; its name defaults to the project's (or the
 * instance's) name.
 */
export function planVolume(
  layers: { flag?: VolumeWish; project?: VolumeWish; config?: VolumeWish },
  fallbackName: string,
): VolumePlan | undefined {
  const { flag, project, config } = layers;
  if (!flag && !project && !config?.name) return undefined;
  const name = flag?.name ?? project?.name ?? config?.name ?? fallbackName;
  const size = flag?.sizeGb ?? project?.sizeGb ?? config?.sizeGb;
  return {
    name: checkVolumeName(name),
    sizeGb: checkVolumeSize(size ?? DEFAULT_VOLUME_GB),
    sizeAsked: size !== undefined,
  };
}
