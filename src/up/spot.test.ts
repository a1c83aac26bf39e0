/**
 * Spot in `up`'s plan: `--spot` or `aws.spot` make one (capped by `aws.spot_max_price`), the agent
 * is told (agent.json `spot`), and every provider without a spot market refuses the flag before
 * anything is planned. The config keys take only what they should.
 */
import { describe, expect, it } from "vitest";
import { generateHostKey } from "../cloudinit/host-key.ts";
import { coerceValue } from "../config/keys.ts";
import { resolveSettings } from "../config/resolve.ts";
import { configFileSchema } from "../config/schema.ts";
import { UsageError } from "../core/errors.ts";
import { PROVIDERS } from "../providers/catalog.ts";
import { planUp } from "./plan.ts";
import { planSpot } from "./spot.ts";

const userPublicKey =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO2uKwQGCmDfH4y7g8WcW0fJZ2OeKs9i6Z5mY3qD0h1n dev@test";
const AWS_ENV = { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" };

function agentJson(userData: string) {
  const m = /path: \/etc\/spuff\/agent\.json\n\s+content: \|\n((?:\s{6}.*\n)+)/.exec(userData);
  return JSON.parse((m?.[1] ?? "").replace(/^ {6}/gm, ""));
}

const plan = (file: Parameters<typeof resolveSettings>[0], spot: boolean) =>
  planUp(
    resolveSettings(file, AWS_ENV),
    { name: "box", spot },
    { now: 0, userPublicKey, hostKey: generateHostKey() },
  );

describe("spot in the plan", () => {
  it("--spot on AWS: a spot plan, and the agent watches for the notice", () => {
    const p = plan({ provider: "aws" }, true);
    expect(p.spot).toEqual({});
    expect(agentJson(p.userData)).toMatchObject({ provider: "aws", spot: true });
    const onDemand = plan({ provider: "aws" }, false);
    expect(onDemand.spot).toBeUndefined();
    expect(agentJson(onDemand.userData).spot).toBeUndefined();
  });

  it("aws.spot makes spot the default there; aws.spot_max_price caps it (YAML number or text)", () => {
    expect(plan({ provider: "aws", aws: { spot: true } }, false).spot).toEqual({});
    const file = configFileSchema.parse({ provider: "aws", aws: { spot: true, spot_max_price: 0.05 } });
    expect(plan(file, false).spot).toEqual({ maxPrice: "0.05" });
    const text = configFileSchema.parse({ provider: "aws", aws: { spot_max_price: "0.0125" } });
    // A cap alone does not make spot the default; with --spot it applies.
    expect(plan(text, false).spot).toBeUndefined();
    expect(plan(text, true).spot).toEqual({ maxPrice: "0.0125" });
  });

  it("every provider without a spot market refuses --spot with a next step", () => {
    for (const provider of PROVIDERS.filter((p) => p !== "aws")) {
      const settings = resolveSettings({ provider }, { HCLOUD_TOKEN: "x", DIGITALOCEAN_TOKEN: "y" });
      let err: unknown;
      try {
        planSpot(settings, true);
      } catch (e) {
        err = e;
      }
      expect(err, provider).toBeInstanceOf(UsageError);
      expect((err as UsageError).message).toBe(`--spot is for AWS only: ${provider} has no spot machines.`);
      expect((err as UsageError).hint).toMatch(/--provider aws/);
      expect(planSpot(settings, false)).toBeUndefined();
    }
  });

  it("the config keys refuse what is not a price or a boolean, and exist only for AWS", () => {
    for (const bad of ["abc", "-1", "0", "0.05; rm -rf /", "1e3", "$(id)", ""])
      expect(configFileSchema.safeParse({ aws: { spot_max_price: bad } }).success, bad).toBe(false);
    expect(configFileSchema.safeParse({ aws: { spot: "yes" } }).success).toBe(false);
    expect(configFileSchema.safeParse({ hetzner: { spot: true } }).success).toBe(false);
    expect(configFileSchema.safeParse({ digitalocean: { spot_max_price: "0.1" } }).success).toBe(false);
    // `config set` gives the file what the schema then accepts.
    expect(coerceValue("aws.spot", "true")).toBe(true);
    expect(coerceValue("aws.spot_max_price", "0.05")).toBe("0.05");
    const set = {
      aws: { spot: coerceValue("aws.spot", "on"), spot_max_price: coerceValue("aws.spot_max_price", "0.05") },
    };
    expect(configFileSchema.parse(set).aws).toEqual({ spot: true, spot_max_price: "0.05" });
  });
});
