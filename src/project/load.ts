/**
 * Finding and loading a project: spuff.yaml (or spuff.yml) in the current directory or the
 * nearest parent, spuff.secrets.yaml beside it (its env wins), env values interpolated from the
 * local environment. Everything is validated here, before `up` creates anything; errors name the
 * file, the key and what is allowed.
 */

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import type { BundleName } from "../bundles/names.ts";
import { configIssuesError } from "../config/issues.ts";
import { ConfigError } from "../core/errors.ts";
import { volumeWish } from "../volumes/spec.ts";
import { interpolate, referencedVariables } from "./interpolate.ts";
import { assertProjectFileSafe } from "./safety.ts";
import { projectFileSchema, projectKeysAt, secretsFileSchema, secretsKeysAt } from "./schema.ts";

export const PROJECT_FILES = ["spuff.yaml", "spuff.yml"] as const;
export const SECRETS_FILE = "spuff.secrets.yaml";
/** Bounds the upward search (a path has fewer components than this). */
const MAX_DEPTH = 64;

export interface Repository {
  url: string;
  /** Below ~/workspace. */
  path: string;
  branch?: string;
}

export interface Project {
  file: string;
  /** The directory holding spuff.yaml. */
  root: string;
  name?: string;
  resources: { size?: string; region?: string };
  bundles: BundleName[];
  packages: string[];
  repositories: Repository[];
  /** Interpolated values; secrets already merged in. */
  env: Record<string, string>;
  /** Keys whose value came from spuff.secrets.yaml. */
  secretKeys: string[];
  setup: string[];
  /** spuff.yaml `prebuild:` steps: in a prebuild's snapshot, else run by `up` before the clones. */
  prebuild: string[];
  ports: number[];
  /** spuff.yaml `volume:` (src/volumes/spec.ts plans it). */
  volume?: { name?: string; sizeGb?: number };
  hooks: { postUp?: string; preDown?: string };
  /** Local variables its env values read (names only), shown before approval. */
  reads: string[];
  /**
   * known_hosts lines (from the user's own file) for the SSH hosts it clones from, filled in by
   * `up` before anything is created; clones check host keys strictly against these alone.
   */
  gitKnownHosts?: string;
  /** sha256 of the exact bytes of spuff.yaml and spuff.secrets.yaml: what an approval is for. */
  digest: string;
}

/** The nearest spuff.yaml from `cwd` upward, or undefined. */
export function findProjectFile(cwd: string): string | undefined {
  let dir = path.resolve(cwd);
  for (let i = 0; i < MAX_DEPTH; i++) {
    for (const name of PROJECT_FILES) {
      const f = path.join(dir, name);
      if (fs.existsSync(f)) return f;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

const PROJECT_HINT = "Fix spuff.yaml; the keys are listed in README.md (spuff.yaml).";

function parseYaml(file: string, text: string): unknown {
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError("project_yaml", `${file} is not valid YAML: ${doc.errors[0]?.message}`, {
      hint: PROJECT_HINT,
    });
  }
  const raw = doc.toJS() ?? {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError("project_yaml", `${file} must hold a mapping of keys to values`, {
      hint: PROJECT_HINT,
    });
  }
  return raw;
}

/** The secrets file must be private: a secret others can read is refused, as for config.yaml. */
function readSecrets(file: string, uid: number | undefined): { env: Record<string, string>; bytes?: Buffer } {
  let bytes: Buffer;
  try {
    assertProjectFileSafe(file, uid);
    const st = fs.statSync(file);
    if ((st.mode & 0o077) !== 0) {
      throw new ConfigError(
        "project_secrets_mode",
        `${file} can be read by other users (mode ${(st.mode & 0o777).toString(8)}).`,
        { hint: `Make it private: chmod 600 ${file}` },
      );
    }
    bytes = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { env: {} };
    throw err;
  }
  const raw = parseYaml(file, bytes.toString("utf8"));
  const r = secretsFileSchema.safeParse(raw);
  if (!r.success) {
    throw configIssuesError(file, r.error.issues, raw, {
      keysAt: secretsKeysAt,
      hint: "spuff.secrets.yaml holds only env: (values that win over spuff.yaml's env).",
    });
  }
  return { env: r.data.env ?? {}, bytes };
}

/** One digest over both files; a secrets file appearing, vanishing or changing changes it too. */
function digestOf(project: Buffer, secrets: Buffer | undefined): string {
  const h = createHash("sha256");
  h.update(`spuff.yaml ${project.length}\n`).update(project);
  if (secrets) h.update(`\nspuff.secrets.yaml ${secrets.length}\n`).update(secrets);
  return h.digest("hex");
}

function repositoryOf(entry: string | { url: string; path?: string; branch?: string }): Repository {
  const e = typeof entry === "string" ? { url: entry } : entry;
  // owner/repo: GitHub over SSH, so private repositories work through the forwarded agent.
  const url = /^[\w.-]+\/[\w.-]+$/.test(e.url) ? `git@github.com:${e.url}.git` : e.url;
  const base =
    url
      .replace(/\/+$/, "")
      .split(/[/:]/)
      .pop()
      ?.replace(/\.git$/, "") || "repo";
  return { url, path: e.path ?? base, ...(e.branch ? { branch: e.branch } : {}) };
}

export interface LoadOptions {
  /** The invoking user's uid (default: this process's), for the ownership check. */
  uid?: number;
}

export function loadProject(file: string, env: NodeJS.ProcessEnv, o: LoadOptions = {}): Project {
  assertProjectFileSafe(file, o.uid);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError("project_unreadable", `Cannot read ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const raw = parseYaml(file, bytes.toString("utf8"));
  const r = projectFileSchema.safeParse(raw);
  if (!r.success) {
    throw configIssuesError(file, r.error.issues, raw, { keysAt: projectKeysAt, hint: PROJECT_HINT });
  }
  const p = r.data;
  const root = path.dirname(file);
  const secretsFile = path.join(root, SECRETS_FILE);
  const { env: secrets, bytes: secretBytes } = readSecrets(secretsFile, o.uid);

  const merged = { ...(p.env ?? {}), ...secrets };
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const [k, v] of Object.entries(merged)) {
    const i = interpolate(v, env);
    for (const m of i.forbidden)
      problems.push(
        `  - env.${k}: \${${m}} is one of spuff's own credentials; a project file may never read it`,
      );
    for (const m of i.missing) problems.push(`  - env.${k}: \${${m}} is not set in your environment`);
    out[k] = i.value;
  }
  const forbidden = problems.some((x) => x.includes("spuff's own credentials"));
  if (problems.length > 0) {
    throw new ConfigError(
      forbidden ? "project_env_credential" : "project_env",
      `Invalid configuration in ${file}:\n${problems.join("\n")}`,
      {
        hint: forbidden
          ? "Remove the reference: spuff's cloud, AWS, reaper and SPUFF_* credentials never reach a VM through a project file."
          : // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax shown to the user
            "Export the variable, give a default with ${VAR:-default}, or put the value in spuff.secrets.yaml.",
        details: { file },
      },
    );
  }
  const repositories = (p.repositories ?? []).map(repositoryOf);
  const paths = repositories.map((x) => x.path);
  const twice = paths.find((x, i) => paths.indexOf(x) !== i);
  if (twice) {
    throw new ConfigError(
      "config_invalid",
      `Invalid configuration in ${file}:\n  - repositories: two repositories clone into ~/workspace/${twice}`,
      { hint: "Give one of them a different path:.", details: { file } },
    );
  }
  return {
    file,
    root,
    ...(p.name ? { name: p.name } : {}),
    resources: { ...(p.resources ?? {}) },
    bundles: p.bundles ?? [],
    packages: p.packages ?? [],
    repositories,
    env: out,
    secretKeys: Object.keys(secrets),
    setup: p.setup ?? [],
    prebuild: p.prebuild ?? [],
    ports: p.ports ?? [],
    ...(p.volume ? { volume: volumeWish(p.volume) } : {}),
    hooks: {
      ...(p.hooks?.post_up ? { postUp: p.hooks.post_up } : {}),
      ...(p.hooks?.pre_down ? { preDown: p.hooks.pre_down } : {}),
    },
    reads: [...new Set(Object.values(merged).flatMap(referencedVariables))],
    digest: digestOf(bytes, secretBytes),
  };
}

/** Find and load the project for `cwd`; undefined when there is no spuff.yaml. */
export function projectFor(cwd: string, env: NodeJS.ProcessEnv, o: LoadOptions = {}): Project | undefined {
  const file = findProjectFile(cwd);
  return file ? loadProject(file, env, o) : undefined;
}

/** Values that must never reach user-data or a log: every env value (secrets included). */
export function projectSecrets(p: Project | undefined): string[] {
  return p ? Object.values(p.env) : [];
}
