/**
 * Everything spuff knows about each provider as plain data: the one list the CLI's choices, the
 * config schema, settings, `init`, user-data checks and the on-VM agent read. It imports nothing,
 * so the agent (node18, built-ins only) and the CLI's main bundle can load it for free.
 * Adding a provider: an entry here, a factory line in registry.ts, its folder under src/providers/.
 */

/** How the on-VM agent ends billing when a deadline passes. */
export interface AgentDelete {
  /** Metadata service base and the path giving this machine's numeric id as plain text. */
  metadata: string;
  idPath: string;
  /** API base (the same base URL the CLI's client takes) and the DELETE path prefix for an id. */
  api: string;
  deletePath: string;
}

export interface ProviderEntry {
  /** Shown by `spuff init`'s provider question. */
  label: string;
  /** Where an instance goes when neither flags nor config say (smallest comfortable dev box). */
  defaults: { region: string; size: string; image: string };
  /**
   * Bytes of user-data the API accepts (null: no limit spuff knows of); `gzip`: the API takes
   * base64 user-data, so an oversize cloud-config may be sent gzip-compressed (cloud-init
   * detects the magic). JSON-string APIs cannot carry raw gzip bytes.
   */
  userData: { limit: number | null; gzip: boolean };
  /**
   * An API token spuff resolves: environment variables in order of precedence, then
   * `<provider>.token` in the config file. Such providers also take `<provider>.reaper_token`.
   */
  token?: { env: readonly string[] };
  /** Credentials found by the provider's own chain (AWS SDK): their presence picks the provider. */
  credentialEnv?: readonly string[];
  /**
   * Provider-specific config keys besides region/size/image/token: a free string, a boolean, a
   * price (a positive decimal in the provider's currency, kept as text) or one of a list.
   */
  configKeys?: Readonly<Record<string, "string" | "boolean" | "price" | readonly string[]>>;
  /**
   * `destroy`: a powered-off machine still bills, so the agent deletes it through the API
   * (`agentDelete`, with a reaper token); `poweroff`: powering off ends the machine.
   */
  teardown: "destroy" | "poweroff";
  agentDelete?: AgentDelete;
  /** Where `list --live` gets the hourly price: the provider's listing, nothing, or free. */
  price: { source: "listing"; currency: string } | { source: "none" } | { source: "free"; currency: string };
}

export const CATALOG = {
  local: {
    label: "local (free, no account)",
    defaults: { region: "local", size: "default", image: "debian-12" },
    // A NoCloud seed file on the host: no API limit.
    userData: { limit: null, gzip: false },
    configKeys: { backend: ["nspawn", "qemu"] },
    teardown: "poweroff",
    price: { source: "free", currency: "USD" },
  },
  digitalocean: {
    label: "digitalocean",
    defaults: { region: "nyc1", size: "s-2vcpu-4gb", image: "ubuntu-24-04-x64" },
    // https://docs.digitalocean.com/products/droplets/how-to/provide-user-data/
    userData: { limit: 65_536, gzip: false },
    token: { env: ["DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"] },
    // Powered-off droplets still bill: the agent must delete them.
    teardown: "destroy",
    // https://docs.digitalocean.com/reference/api/metadata-api/ and /reference/api/api-reference/#operation/droplets_destroy
    agentDelete: {
      metadata: "http://169.254.169.254",
      idPath: "/metadata/v1/id",
      api: "https://api.digitalocean.com",
      deletePath: "/v2/droplets/",
    },
    // droplet.size.price_hourly in the listing; all prices in GET /v2/sizes (src/cost reads them).
    price: { source: "listing", currency: "USD" },
  },
  hetzner: {
    label: "hetzner",
    defaults: { region: "fsn1", size: "cx22", image: "ubuntu-24.04" },
    // https://docs.hetzner.cloud/#servers-create-a-server (user_data)
    userData: { limit: 32_768, gzip: false },
    token: { env: ["HCLOUD_TOKEN", "HETZNER_TOKEN"] },
    teardown: "destroy",
    // https://docs.hetzner.cloud/#server-metadata and https://docs.hetzner.cloud/#servers-delete-a-server
    agentDelete: {
      metadata: "http://169.254.169.254",
      idPath: "/hetzner/v1/metadata/instance-id",
      api: "https://api.hetzner.cloud/v1",
      deletePath: "/servers/",
    },
    // server_type.prices per location; the /pricing endpoint says euros.
    price: { source: "listing", currency: "EUR" },
  },
  aws: {
    label: "aws",
    defaults: { region: "us-east-1", size: "t3.medium", image: "ubuntu-24.04" },
    // 16 KB raw, before base64. https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html
    userData: { limit: 16_384, gzip: true },
    credentialEnv: ["AWS_ACCESS_KEY_ID", "AWS_PROFILE"],
    // spot: launch as a one-time spot instance (up --spot); spot_max_price caps it (USD/hour).
    configKeys: { profile: "string", spot: "boolean", spot_max_price: "price" },
    // Launched with shutdown behaviour = terminate, so a poweroff ends the bill.
    teardown: "poweroff",
    price: { source: "none" },
  },
} as const satisfies Record<string, ProviderEntry>;

export type ProviderName = keyof typeof CATALOG;

/** The catalog with every entry seen as a ProviderEntry (for code reading optional fields). */
export const ENTRIES: Readonly<Record<ProviderName, ProviderEntry>> = CATALOG;

/** Provider names in the order the CLI offers them (`local` first: free, no account). */
export const PROVIDERS = Object.keys(CATALOG) as readonly ProviderName[] as readonly [
  ProviderName,
  ...ProviderName[],
];

/** The provider used when nothing is configured and no credentials are found. */
export const FALLBACK_PROVIDER: ProviderName = "local";

/** Providers that take an API token (and a reaper token) from spuff's config or environment. */
export type TokenProvider = {
  [K in ProviderName]: (typeof CATALOG)[K] extends { token: object } ? K : never;
}[ProviderName];

export const TOKEN_PROVIDERS = PROVIDERS.filter((p) => "token" in CATALOG[p]) as readonly TokenProvider[];

export function isProviderName(name: unknown): name is ProviderName {
  return typeof name === "string" && Object.hasOwn(CATALOG, name);
}

export function isTokenProvider(name: unknown): name is TokenProvider {
  return isProviderName(name) && (TOKEN_PROVIDERS as readonly string[]).includes(name);
}

/** The catalog entry for a name; undefined for anything else (never an inherited property). */
export function providerEntry(name: string): ProviderEntry | undefined {
  return isProviderName(name) ? ENTRIES[name] : undefined;
}

export interface Placement {
  region: string;
  size: string;
  image: string;
  teardown: ProviderEntry["teardown"];
}

/** Per-provider placement and teardown, so `up` never branches on a provider's name. */
export const PROVIDER_DEFAULTS = Object.fromEntries(
  PROVIDERS.map((p) => [p, { ...CATALOG[p].defaults, teardown: CATALOG[p].teardown }]),
) as Readonly<Record<ProviderName, Placement>>;
