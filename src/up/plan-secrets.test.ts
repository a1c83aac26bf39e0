/**
 * planUp and the secrets around it: the reaper token (and the API token) are settings, never
 * user-data; the agent's API/metadata overrides are plain settings in agent.json; a secret that
 * does reach user-data stops the plan before any provider call.
 */
import { describe, expect, it } from "vitest";
import { generateHostKey } from "../cloudinit/host-key.ts";
import { resolveSettings } from "../config/resolve.ts";
import { ConfigError, InternalError } from "../core/errors.ts";
import { planUp, settingsSecrets } from "./plan.ts";

const userPublicKey =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO2uKwQGCmDfH4y7g8WcW0fJZ2OeKs9i6Z5mY3qD0h1n dev@test";
const hostKey = generateHostKey();
const REAPER = "dop_v1_reaper_0123456789abcdef0123456789abcdef";
const MAIN = "dop_v1_main_fedcba9876543210fedcba9876543210";

function agentJson(userData: string) {
  const m = /path: \/etc\/spuff\/agent\.json\n\s+content: \|\n((?:\s{6}.*\n)+)/.exec(userData);
  return JSON.parse((m?.[1] ?? "").replace(/^ {6}/gm, ""));
}

describe("planUp with a reaper token", () => {
  const env = {
    DIGITALOCEAN_TOKEN: MAIN,
    SPUFF_REAPER_TOKEN: REAPER,
    SPUFF_AGENT_API_URL: "http://10.0.2.2:8787",
    SPUFF_AGENT_METADATA_URL: "http://10.0.2.2:8788",
  };
  const settings = resolveSettings({ provider: "digitalocean" }, env);

  it("settings carry the reaper token (named by its source) and both overrides", () => {
    expect(settings.reaperToken).toEqual({ value: REAPER, from: "env", name: "SPUFF_REAPER_TOKEN" });
    expect(settings.agentEndpoints).toEqual({
      api: env.SPUFF_AGENT_API_URL,
      metadata: env.SPUFF_AGENT_METADATA_URL,
    });
    expect(settingsSecrets(settings).sort()).toEqual([MAIN, REAPER].sort());
  });

  it("user-data holds neither token; agent.json points the agent at the overrides", () => {
    const plan = planUp(settings, { name: "reap" }, { now: 0, userPublicKey, hostKey });
    expect(plan.userData).not.toContain(REAPER);
    expect(plan.userData).not.toContain(MAIN);
    expect(agentJson(plan.userData)).toMatchObject({
      provider: "digitalocean",
      teardown: "destroy",
      api_base_url: "http://10.0.2.2:8787",
      metadata_base_url: "http://10.0.2.2:8788",
    });
  });

  it("a token that reaches user-data stops the plan, naming no secret", () => {
    // A dotfiles URL with the token in it is the realistic way one would slip in.
    const leaky = resolveSettings(
      { provider: "digitalocean", dotfiles: `https://x:${REAPER}@git.example/dots.git` },
      env,
    );
    let err: unknown;
    try {
      planUp(leaky, { name: "reap" }, { now: 0, userPublicKey, hostKey });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InternalError);
    expect(String(err)).not.toContain(REAPER);
  });

  it("the config file's <provider>.reaper_token, for digitalocean and hetzner only", () => {
    const file = { provider: "hetzner" as const, hetzner: { reaper_token: "hz-reaper-token-123456" } };
    expect(resolveSettings(file, {}).reaperToken).toEqual({
      value: "hz-reaper-token-123456",
      from: "file",
      name: "hetzner.reaper_token",
    });
    // The env wins over the file; local/aws machines end by poweroff and get no reaper token.
    expect(resolveSettings(file, { SPUFF_REAPER_TOKEN: REAPER }).reaperToken?.value).toBe(REAPER);
    expect(
      resolveSettings({ provider: "local" }, { SPUFF_REAPER_TOKEN: REAPER }).reaperToken,
    ).toBeUndefined();
    expect(resolveSettings({ provider: "aws" }, { SPUFF_REAPER_TOKEN: REAPER }).reaperToken).toBeUndefined();
    expect(resolveSettings({ provider: "digitalocean" }, {}).reaperToken).toBeUndefined();
  });

  it("refuses an agent URL that is not http(s)", () => {
    const bad = resolveSettings({ provider: "digitalocean" }, { SPUFF_AGENT_API_URL: "file:///etc/passwd" });
    expect(() => planUp(bad, { name: "reap" }, { now: 0, userPublicKey, hostKey })).toThrow(/agent API URL/);
  });
});

describe("planUp refuses a reaper token that is not a token of its own, or would travel in the clear", () => {
  const plan =
    (env: Record<string, string>, file: Parameters<typeof resolveSettings>[0] = {}) =>
    () =>
      planUp(
        resolveSettings({ provider: "digitalocean", ...file }, env),
        { name: "reap" },
        {
          now: 0,
          userPublicKey,
          hostKey,
        },
      );

  it("the API token reused as the reaper token is a config error (exit 3) naming both sources, not the value", () => {
    for (const [env, file] of [
      [{ DIGITALOCEAN_TOKEN: MAIN, SPUFF_REAPER_TOKEN: MAIN }, {}],
      [{ SPUFF_REAPER_TOKEN: MAIN }, { digitalocean: { token: MAIN } }],
      [{ DIGITALOCEAN_TOKEN: MAIN }, { digitalocean: { reaper_token: MAIN } }],
    ] as const) {
      let err: unknown;
      try {
        plan({ ...env }, file)();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).exitCode).toBe(3);
      expect((err as ConfigError).code).toBe("reaper_token_is_api_token");
      expect(String(err)).not.toContain(MAIN);
      expect((err as ConfigError).hint).toContain("droplet:delete");
    }
    // Hetzner too: its token covers the whole project.
    const hz = resolveSettings(
      { provider: "hetzner" },
      { HCLOUD_TOKEN: "hz-same-0123456789", SPUFF_REAPER_TOKEN: "hz-same-0123456789" },
    );
    expect(() => planUp(hz, { name: "reap" }, { now: 0, userPublicKey, hostKey })).toThrow(ConfigError);
  });

  it("an agent API URL on plain http to a non-loopback host is refused when a reaper token is set", () => {
    for (const url of [
      "http://api.digitalocean.example",
      "http://192.168.1.5:8080",
      "http://127.0.0.1.nip.example",
    ]) {
      expect(
        plan({ DIGITALOCEAN_TOKEN: MAIN, SPUFF_REAPER_TOKEN: REAPER, SPUFF_AGENT_API_URL: url }),
      ).toThrow(/not https/);
    }
    for (const url of ["https://api.digitalocean.example", "http://127.0.0.1:8787", "http://10.0.2.2:8787"]) {
      expect(
        plan({ DIGITALOCEAN_TOKEN: MAIN, SPUFF_REAPER_TOKEN: REAPER, SPUFF_AGENT_API_URL: url }),
      ).not.toThrow();
    }
  });
});
