/**
 * spuff.yaml, the project's environment as code, and spuff.secrets.yaml beside it. Strict: an
 * unknown key is an error naming the allowed ones, so a typo never silently does nothing.
 */
import { z } from "zod";
import { BUNDLE_NAMES } from "../bundles/names.ts";
import { GIT_URL, PACKAGE } from "../cloudinit/args.ts";
import { keysIn, volumeSection } from "../config/schema.ts";

const nonEmpty = z.string().min(1, { message: "must not be empty" });
const dnsLabel = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
  message: "expected a lowercase DNS label such as my-app (a-z, 0-9, -)",
});
const command = nonEmpty.refine((v) => !v.includes("\0"), { message: "must not contain NUL" });

/** `owner/repo` (GitHub over SSH) or a git URL spuff can clone unattended. */
const repoUrl = z.string().refine((v) => GIT_URL.test(v) || /^[\w.-]+\/[\w.-]+$/.test(v), {
  message: "expected owner/repo, git@host:path, ssh://… or https://…",
});
/** Below ~/workspace: relative, no "..", no odd characters. */
const repoPath = z.string().regex(/^(?!.*(?:^|\/)\.\.(?:\/|$))[\w.-]+(?:\/[\w.-]+)*$/, {
  message: "expected a relative path below ~/workspace without ..",
});

const envKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "expected a shell variable name" });
// Numbers and booleans are written as text, as a shell sees them anyway.
const envValue = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((v) => String(v))
  .refine((v) => !v.includes("\0"), { message: "must not contain NUL" });
const envMap = z.record(envKey, envValue);

export const projectFileSchema = z.strictObject({
  version: z.union([z.literal("1"), z.literal(1)]).optional(),
  name: dnsLabel.optional(),
  resources: z.strictObject({ size: nonEmpty.optional(), region: nonEmpty.optional() }).optional(),
  bundles: z.array(z.enum(BUNDLE_NAMES)).optional(),
  packages: z
    .array(z.string().regex(PACKAGE, { message: "expected a Debian package name such as jq" }))
    .optional(),
  repositories: z
    .array(
      z.union([
        repoUrl,
        z.strictObject({ url: repoUrl, path: repoPath.optional(), branch: nonEmpty.optional() }),
      ]),
    )
    .optional(),
  env: envMap.optional(),
  setup: z.array(command).optional(),
  /** Steps baked into a prebuild (`spuff prebuild`), e.g. warming caches; run by a cold `up` too. */
  prebuild: z.array(command).optional(),
  ports: z
    .array(
      z.number().int().min(1, { message: "ports are 1-65535" }).max(65535, { message: "ports are 1-65535" }),
    )
    .refine((ps) => new Set(ps).size === ps.length, { message: "a port is listed twice" })
    .optional(),
  hooks: z.strictObject({ post_up: command.optional(), pre_down: command.optional() }).optional(),
  // A workspace volume mounted at ~/workspace (src/volumes): work that outlives the machine.
  volume: volumeSection.optional(),
});
export type ProjectFile = z.infer<typeof projectFileSchema>;

/** spuff.secrets.yaml: only env, whose values win over spuff.yaml's. */
export const secretsFileSchema = z.strictObject({ env: envMap.optional() });

export const projectKeysAt = (path: readonly (string | number)[]) => keysIn(projectFileSchema, path);
export const secretsKeysAt = (path: readonly (string | number)[]) => keysIn(secretsFileSchema, path);
