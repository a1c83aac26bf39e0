import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors.ts";
import { loadConfigFile } from "./file.ts";
import { resolveSettings } from "./resolve.ts";

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-cfg-"));
  file = path.join(dir, "config.yaml");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(text: string, mode = 0o600) {
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
}

function loadError(): ConfigError {
  try {
    loadConfigFile(file);
  } catch (err) {
    return err as ConfigError;
  }
  throw new Error("expected loadConfigFile to fail");
}

describe("loadConfigFile", () => {
  it("returns an empty config when the file does not exist", () => {
    expect(loadConfigFile(file)).toMatchObject({ exists: false, config: {} });
  });

  it("refuses a group/world-readable file that holds a token, naming the chmod", () => {
    write("digitalocean:\n  token: dop_v1_x\n", 0o644);
    const err = loadError();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe("config_insecure");
    expect(err.hint).toBe(`Run: chmod 600 ${file}`);
  });

  it("accepts a readable file without secrets, and a 0600 file with one", () => {
    write("region: fra1\n", 0o644);
    expect(loadConfigFile(file).config.region).toBe("fra1");
    write("hetzner:\n  token: abc\n", 0o600);
    expect(loadConfigFile(file).config.hetzner?.token).toBe("abc");
  });

  it("names the file, the key and what is allowed for unknown keys and bad values", () => {
    write("provider: azure\nidle_timeout: banana\ntimeouts:\n  ssh_lgoin: 5s\nsizee: x\n");
    const err = loadError();
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(
      /provider: "azure" is not allowed \(allowed: local, digitalocean, hetzner, aws\)/,
    );
    expect(err.message).toMatch(/idle_timeout: "banana".*duration/);
    expect(err.message).toMatch(
      /in timeouts: unknown key "ssh_lgoin" \(allowed: provider_api, ssh_port, ssh_login/,
    );
    expect(err.message).toMatch(/unknown key "sizee" \(allowed: provider, region, size/);
  });

  it("rejects broken YAML and root as the ssh user", () => {
    write("region: [unclosed\n");
    expect(loadError().code).toBe("config_yaml");
    write("ssh_user: root\n");
    expect(loadError().message).toMatch(/ssh_user: "root".*must not be root/);
  });

  it("takes ssh.allow_from as CIDR blocks, refusing anything else", () => {
    write("ssh:\n  allow_from: [203.0.113.9/24, '2001:db8::/32']\n");
    expect(resolveSettings(loadConfigFile(file).config, {}).sshAllowFrom).toEqual([
      "203.0.113.0/24",
      "2001:db8::/32",
    ]);
    write("ssh:\n  allow_from: ['0.0.0.0/0; curl x|sh']\n");
    expect(loadError().message).toMatch(/allow_from.*CIDR block/);
    write("ssh:\n  allow_from: []\n");
    expect(loadError().message).toMatch(/at least one CIDR/);
    write("provider: local\n");
    expect(resolveSettings(loadConfigFile(file).config, {}).sshAllowFrom).toBeUndefined();
  });
});

describe("resolveSettings", () => {
  it("applies the seed's timeout defaults and expands ~", () => {
    const s = resolveSettings({ ssh_key_path: "~/.ssh/k" }, { HOME: "/home/u" });
    expect(s.timeouts).toEqual({
      providerApiMs: 30_000,
      sshPortMs: 300_000,
      sshLoginMs: 120_000,
      cloudInitMs: 600_000,
      execMs: 30_000,
    });
    expect(s.sshKeyPath).toBe("/home/u/.ssh/k");
    expect(s.provider).toBe("local");
  });

  it("takes tokens from the environment first and defaults to a cloud that has one", () => {
    const s = resolveSettings({ digitalocean: { token: "file-token" } }, { DIGITALOCEAN_TOKEN: "env-token" });
    expect(s.tokens.digitalocean).toEqual({ value: "env-token", from: "env", name: "DIGITALOCEAN_TOKEN" });
    expect(s.provider).toBe("digitalocean");
    expect(resolveSettings({}, { HETZNER_TOKEN: "h" }).provider).toBe("hetzner");
  });

  it("prefers the provider section over top-level placement", () => {
    const s = resolveSettings({ provider: "hetzner", region: "nyc1", hetzner: { region: "fsn1" } }, {});
    expect(s.region).toBe("fsn1");
  });
});
