/**
 * The config file's schema: what `config.yaml` may contain. Everything is optional in the file;
 * defaults are applied when the file is resolved into Settings (resolve.ts).
 */
import { z } from "zod";
import { AI_TOOLS, ENVIRONMENTS, TOOL_BUNDLES } from "../bundles/names.ts";
import { parseCidr } from "../core/cidr.ts";
import { DURATION_HELP, parseDuration } from "../core/duration.ts";
import { parseMicros } from "../cost/money.ts";
import { CATALOG, PROVIDERS, type ProviderEntry, type ProviderName } from "../providers/catalog.ts";

export type { ProviderName } from "../providers/catalog.ts";

const duration = z
  .union([z.string(), z.number()])
  .refine((v) => parseDuration(v) !== undefined, { message: `expected ${DURATION_HELP}` });

// A Linux login name that cloud-init can create; root is refused because the dev user must not be root.
const userName = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { message: "expected a lowercase login name such as dev" })
  .refine((v) => v !== "root", {
    message: "must not be root (spuff creates an unprivileged user with sudo)",
  });

const nonEmpty = z.string().min(1, { message: "must not be empty" });

// Money in the currency of the provider `up` targets (USD, or EUR for Hetzner): a plain decimal.
const amount = z
  .union([z.number(), z.string()])
  .refine((v) => parseMicros(v) !== undefined, { message: "expected an amount such as 50 or 0.25" });

/** Budgets `up` checks before creating anything (src/cost/budget.ts). */
export const budgetSchema = z.strictObject({
  monthly: amount.optional(),
  max_hourly: amount.optional(),
});

export const timeoutsSchema = z.strictObject({
  provider_api: duration.optional(),
  ssh_port: duration.optional(),
  ssh_login: duration.optional(),
  cloud_init: duration.optional(),
  exec: duration.optional(),
});

const placement = {
  region: nonEmpty.optional(),
  size: nonEmpty.optional(),
  image: nonEmpty.optional(),
};

/**
 * A provider's own section, from its catalog entry: placement overrides, its token and reaper
 * token if it takes one (the reaper token is a dedicated one, e.g. DigitalOcean's custom scope
 * droplet:delete, that the agent uses to delete its own server at teardown; opt-in, delivered
 * over SSH, never the main token), and its specific keys.
 */
function providerSection(entry: ProviderEntry) {
  const shape: Record<string, z.ZodType> = { ...placement };
  if (entry.token) {
    shape.token = nonEmpty.optional();
    shape.reaper_token = nonEmpty.optional();
  }
  for (const [key, kind] of Object.entries(entry.configKeys ?? {})) {
    shape[key] = configKeySchema(kind).optional();
  }
  return z.strictObject(shape).optional();
}

/** A price as YAML gives it (0.05) or as `config set` does ("0.05"), kept as decimal text. */
const price = z
  .union([z.number(), z.string()])
  .transform((v) => String(v))
  .refine((v) => /^\d{1,6}(\.\d{1,6})?$/.test(v) && Number(v) > 0, {
    message: "expected a positive price such as 0.05 (dollars per hour)",
  });

function configKeySchema(kind: NonNullable<ProviderEntry["configKeys"]>[string]): z.ZodType {
  if (kind === "string") return nonEmpty;
  if (kind === "boolean") return z.boolean();
  if (kind === "price") return price;
  return z.enum(kind as [string, ...string[]]);
}

/** The static type of a provider's section, derived from the same catalog entry. */
type Section<E> = { region?: string; size?: string; image?: string } & (E extends { token: object }
  ? { token?: string; reaper_token?: string }
  : unknown) &
  (E extends { configKeys: infer K }
    ? {
        [P in keyof K]?: K[P] extends readonly (infer V)[] ? V : K[P] extends "boolean" ? boolean : string;
      }
    : unknown);

const sections = Object.fromEntries(PROVIDERS.map((p) => [p, providerSection(CATALOG[p])])) as unknown as {
  [P in ProviderName]: z.ZodOptional<z.ZodType<Section<(typeof CATALOG)[P]>>>;
};

/** ssh-agent forwarding policy (see ssh/connection.ts agentFor). */
export const FORWARD_AGENT = ["auto", "always", "never"] as const;
export type ForwardAgent = (typeof FORWARD_AGENT)[number];

/** A CIDR block (IPv4 or IPv6) such as 203.0.113.0/24; a bare address counts as /32 or /128. */
const cidr = z.string().refine((v) => parseCidr(v) !== undefined, {
  message: "expected a CIDR block such as 203.0.113.0/24 or 2001:db8::/32",
});

/** SSH reachability: where the provider firewall lets SSH in from (default: anywhere). */
export const sshSchema = z.strictObject({
  allow_from: z.array(cidr).min(1, { message: "must list at least one CIDR block" }).optional(),
});

/** `volume: { name?, size_gb? }` in config.yaml and spuff.yaml (names: src/volumes/spec.ts). */
export const volumeSection = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,62}$/, {
      message: "expected a volume name: a-z, 0-9 and -, starting with a letter",
    })
    .optional(),
  size_gb: z
    .number()
    .int({ message: "expected whole GB" })
    .min(1, { message: "a volume has 1-16384 GB" })
    .max(16384, { message: "a volume has 1-16384 GB" })
    .optional(),
});

export const configFileSchema = z.strictObject({
  provider: z.enum(PROVIDERS).optional(),
  ...placement,
  idle_timeout: duration.optional(),
  max_lifetime: duration.optional(),
  ssh_key_path: nonEmpty.optional(),
  ssh_user: userName.optional(),
  // auto: the agent for interactive ssh and spuff.yaml clones/hooks only; true/false: older configs.
  forward_agent: z.union([z.enum(FORWARD_AGENT), z.boolean()]).optional(),
  dotfiles: nonEmpty.optional(),
  // Tool bundles installed after SSH-ready (src/bundles); nothing unless chosen here or in spuff.yaml.
  tools: z.array(z.enum(TOOL_BUNDLES)).optional(),
  environment: z.enum(ENVIRONMENTS).optional(),
  ai_tools: z.array(z.enum(AI_TOOLS)).optional(),
  timeouts: timeoutsSchema.optional(),
  budget: budgetSchema.optional(),
  // Prebuilt environments (`spuff prebuild`): how many of one project's prebuilds to keep.
  prebuild: z
    .strictObject({
      keep: z
        .union([z.number(), z.string()])
        .refine((v) => /^\d{1,3}$/.test(String(v)) && Number(v) >= 1 && Number(v) <= 100, {
          message: "expected a whole number from 1 to 100",
        })
        .optional(),
    })
    .optional(),
  ssh: sshSchema.optional(),
  // The default workspace volume: its size for every --volume, and with a name, a volume for every up.
  volume: volumeSection.optional(),
  ...sections,
});

export type ConfigFile = z.infer<typeof configFileSchema>;

/** Walk the schema to the object at `path` and return its keys (for "allowed keys" messages). */
export function keysAt(path: readonly (string | number)[]): string[] | undefined {
  return keysIn(configFileSchema, path);
}

/**
 * keysAt for any strict schema (spuff.yaml too): list elements are stepped into by index, and of
 * a union the object member is the one that can have unknown keys.
 */
export function keysIn(root: z.ZodType, path: readonly (string | number)[]): string[] | undefined {
  const unwrap = (n: z.ZodType): z.ZodType | undefined => {
    for (let depth = 0; depth < 8; depth++) {
      if (n instanceof z.ZodOptional) n = n.unwrap() as z.ZodType;
      else if (n instanceof z.ZodUnion) {
        const obj = (n.options as z.ZodType[]).find((o) => o instanceof z.ZodObject);
        if (!obj) return undefined;
        n = obj;
      } else return n;
    }
    return undefined;
  };
  let node: z.ZodType | undefined = root;
  for (const seg of path) {
    node = node && unwrap(node);
    if (node instanceof z.ZodArray && /^\d+$/.test(String(seg))) node = node.element as z.ZodType;
    else if (node instanceof z.ZodObject) node = node.shape[seg as string] as z.ZodType | undefined;
    else return undefined;
  }
  node = node && unwrap(node);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : undefined;
}

/** The schema of the leaf at a dotted key, or undefined when the key does not exist. */
export function leafSchema(key: string): z.ZodType | undefined {
  let node: z.ZodType = configFileSchema;
  for (const seg of key.split(".")) {
    while (node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
    if (!(node instanceof z.ZodObject)) return undefined;
    const child: z.ZodType | undefined = node.shape[seg];
    if (!child) return undefined;
    node = child;
  }
  while (node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
  return node;
}

/** Every settable dotted key, for help text and completion. */
export function allKeys(): string[] {
  const out: string[] = [];
  const walk = (prefix: string, path: string[]) => {
    for (const k of keysAt(path) ?? []) {
      const full = prefix ? `${prefix}.${k}` : k;
      const leaf = leafSchema(full);
      if (leaf instanceof z.ZodObject) walk(full, [...path, k]);
      else out.push(full);
    }
  };
  walk("", []);
  return out;
}
