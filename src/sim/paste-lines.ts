/**
 * What `spuff-sim` prints after its URL: shell lines a user pastes to point spuff and the vendor's
 * own CLI at the simulator (endpoint plus token, or the AWS key pair and a region). Values are
 * single-quoted, so a `--token` with shell syntax in it stays a literal string.
 */
import { PROVIDER_DEFAULTS } from "../providers/catalog.ts";

export type SimKind = "digitalocean" | "hetzner" | "aws";

/** The environment spuff and the official CLI read, per simulator. */
export function simEnv(
  kind: SimKind,
  sim: { url: string; token?: string; accessKeyId?: string; secretAccessKey?: string },
  awsRegion = PROVIDER_DEFAULTS.aws.region,
): Record<string, string> {
  if (kind === "digitalocean") return { DIGITALOCEAN_API_URL: sim.url, DIGITALOCEAN_TOKEN: sim.token ?? "" };
  if (kind === "hetzner") return { HCLOUD_ENDPOINT: sim.url, HCLOUD_TOKEN: sim.token ?? "" };
  return {
    AWS_ENDPOINT_URL: sim.url,
    AWS_ACCESS_KEY_ID: sim.accessKeyId ?? "",
    AWS_SECRET_ACCESS_KEY: sim.secretAccessKey ?? "",
    AWS_DEFAULT_REGION: awsRegion,
  };
}

const TRY: Record<SimKind, string[]> = {
  digitalocean: [
    "spuff snapshot list --provider digitalocean",
    'curl -H "Authorization: Bearer $DIGITALOCEAN_TOKEN" "$DIGITALOCEAN_API_URL/v2/account"',
  ],
  hetzner: ["spuff snapshot list --provider hetzner", "hcloud server list"],
  // aws CLI before 2.13 ignores AWS_ENDPOINT_URL, hence the explicit flag.
  aws: [
    "spuff snapshot list --provider aws",
    'aws --endpoint-url "$AWS_ENDPOINT_URL" ec2 describe-instances',
  ],
};

export function pasteLines(kind: SimKind, env: Record<string, string>): string[] {
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`);
  return [
    "# Point spuff and the official CLI at this simulator (paste into your shell):",
    `export ${assignments.join(" ")}`,
    ...TRY[kind].map((c) => `#   ${c}`),
  ];
}

export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
