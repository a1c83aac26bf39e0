/**
 * A prebuild's identity: one sha256 over everything that goes into its snapshot (the provider and
 * base image, the bundles chosen and their scripts' text, the packages, the prebuild steps and the
 * bootstrap scripts), and the snapshot name that carries it. Snapshot names are the one label every
 * provider keeps (DigitalOcean, Hetzner descriptions, AWS image names, local image names), so
 * `up` finds a prebuild by name alone: same name, same environment. Pure.
 */
import { createHash } from "node:crypto";
import { BUNDLE_LIB, BUNDLE_SCRIPT, RUN_STEPS } from "../bundles/catalog.ts";
import type { BundleName } from "../bundles/names.ts";
import { EMBEDDED_SCRIPTS } from "../cloudinit/scripts.generated.ts";
import type { Project } from "../project/load.ts";

/** Bumped when what a prebuild holds changes shape (a new kind of input, a new scrub). */
export const PREBUILD_FORMAT = 1;
export const PREBUILD_PREFIX = "spuff-pb-";
/** The label an instance made from a prebuild carries: the prebuild's name (`status` shows it). */
export const PREBUILD_LABEL = "spuff-prebuild";
/** Hex characters of the hash in a snapshot's name: 64 bits, no accidental match. */
const HASH_CHARS = 16;
/** Keeps `spuff-pb-PROJECT-HASH` within local image names' 63 characters. */
const PROJECT_CHARS = 30;

export interface PrebuildInputs {
  provider: string;
  /** The base image the prebuild machine booted (plan.image). */
  image: string;
  /** The dev user: the prebuild steps' files are in its home. */
  user: string;
  /** Config bundles (background), in the order they install. */
  background: readonly BundleName[];
  project: Pick<Project, "bundles" | "packages" | "prebuild">;
}

export interface PrebuildKey {
  /** The project's name in snapshot names (spuff.yaml `name`, else its directory's). */
  project: string;
  hash: string;
  /** `spuff-pb-PROJECT-HASH16`. */
  name: string;
}

/** The bootstrap scripts cloud-init runs: a new version of them means a new prebuild. */
const BOOTSTRAP = Object.entries(EMBEDDED_SCRIPTS)
  .filter(([k]) => k.startsWith("bootstrap-") || k.startsWith("spuff-"))
  .sort(([a], [b]) => a.localeCompare(b));

export function prebuildHash(i: PrebuildInputs): string {
  const bundles = [...new Set([...i.background, ...i.project.bundles])].sort();
  // One JSON document with fixed key order: arrays keep their order where order changes the result.
  const doc = JSON.stringify({
    format: PREBUILD_FORMAT,
    provider: i.provider,
    image: i.image,
    user: i.user,
    background: i.background,
    bundles: i.project.bundles,
    scripts: {
      runner: sha(RUN_STEPS),
      lib: sha(BUNDLE_LIB),
      bundles: bundles.map((b) => [b, sha(BUNDLE_SCRIPT[b])]),
      bootstrap: BOOTSTRAP.map(([k, v]) => [k, sha(v)]),
    },
    packages: i.project.packages,
    prebuild: i.project.prebuild,
  });
  return sha(doc);
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** A project name fit for a snapshot name: lowercase, [a-z0-9-], at most 30 characters. */
export function projectSlug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, PROJECT_CHARS)
    .replace(/-+$/, "");
  return s || "project";
}

export function prebuildKey(projectName: string, i: PrebuildInputs): PrebuildKey {
  const project = projectSlug(projectName);
  const hash = prebuildHash(i);
  return { project, hash, name: `${PREBUILD_PREFIX}${project}-${hash.slice(0, HASH_CHARS)}` };
}

/** `spuff-pb-PROJECT-HASH16` back into its parts; undefined for any other snapshot name. */
export function parsePrebuildName(name: string): { project: string; hash16: string } | undefined {
  const m = /^spuff-pb-([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)-([0-9a-f]{16})$/.exec(name);
  return m ? { project: m[1] as string, hash16: m[2] as string } : undefined;
}
