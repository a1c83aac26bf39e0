import { describe, expect, it } from "vitest";
import {
  CATALOG,
  isProviderName,
  isTokenProvider,
  PROVIDER_DEFAULTS,
  PROVIDERS,
  providerEntry,
  TOKEN_PROVIDERS,
} from "./catalog.ts";
import { createProvider, providerNames } from "./registry.ts";

describe("provider catalog", () => {
  it("lists every provider once, local first, each with a factory in the registry", () => {
    expect(PROVIDERS).toEqual(["local", "digitalocean", "hetzner", "aws"]);
    expect(providerNames()).toEqual([...PROVIDERS]);
  });

  it("keeps the placement and teardown defaults up relies on", () => {
    expect(PROVIDER_DEFAULTS.digitalocean).toEqual({
      region: "nyc1",
      size: "s-2vcpu-4gb",
      image: "ubuntu-24-04-x64",
      teardown: "destroy",
    });
    expect(PROVIDER_DEFAULTS.aws.teardown).toBe("poweroff");
    // A destroy teardown needs a way for the agent to delete its server.
    for (const p of PROVIDERS) {
      const e = providerEntry(p);
      expect(e?.teardown === "destroy", p).toBe(e?.agentDelete !== undefined);
    }
  });

  it("takes tokens only for the providers that have an API token", () => {
    expect(TOKEN_PROVIDERS).toEqual(["digitalocean", "hetzner"]);
    expect(CATALOG.hetzner.token.env).toEqual(["HCLOUD_TOKEN", "HETZNER_TOKEN"]);
  });

  it("answers nothing for names that are not providers, inherited properties included", async () => {
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty", "", "AWS"]) {
      expect(isProviderName(name)).toBe(false);
      expect(isTokenProvider(name)).toBe(false);
      expect(providerEntry(name)).toBeUndefined();
      await expect(createProvider(name, { token: undefined, env: {} })).rejects.toMatchObject({
        code: "unknown_provider",
      });
    }
  });
});
