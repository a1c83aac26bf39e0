/** The image string from flags/config → the provider-neutral ImageSpec. */
import type { ImageSpec } from "../providers/types.ts";

/**
 * "debian-12", "ubuntu-24.04" and DigitalOcean-style "ubuntu-24-04-x64" are distro images;
 * `snapshot` wins when given; anything else is passed through as the provider's own image id.
 */
export function toImageSpec(image: string, snapshot?: string): ImageSpec {
  if (snapshot) return { kind: "snapshot", id: snapshot };
  const m = /^(ubuntu|debian)-(\d+)(?:[.-](\d+))?(?:-x64)?$/.exec(image);
  if (m) {
    const [, kind, major, minor] = m;
    return { kind: kind as "ubuntu" | "debian", version: minor ? `${major}.${minor}` : (major as string) };
  }
  return { kind: "custom", id: image };
}
