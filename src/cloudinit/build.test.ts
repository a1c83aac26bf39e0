import { describe, expect, it } from "vitest";
import { UserError } from "../core/errors.ts";
import { BOOTSTRAP_ASYNC_PATH, BOOTSTRAP_SYNC_PATH, buildCloudConfig } from "./build.ts";
import { generateHostKey } from "./host-key.ts";
import { EMBEDDED_SCRIPTS } from "./scripts.generated.ts";
import { testArgs } from "./test-args.ts";

function file(cfg: ReturnType<typeof buildCloudConfig>, p: string) {
  const f = cfg.write_files?.find((w) => w.path === p);
  if (!f) throw new Error(`no write_files entry ${p}`);
  return f;
}

describe("buildCloudConfig", () => {
  const args = testArgs();
  const cfg = buildCloudConfig(args);

  it("creates the dev user with sudo, bash, a locked password and the user's key", () => {
    expect(cfg.users).toEqual([
      {
        name: "dev",
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        shell: "/bin/bash",
        lock_passwd: true,
        ssh_authorized_keys: [args.userPublicKey],
      },
    ]);
    expect(cfg.disable_root).toBe(true);
    expect(cfg.ssh_pwauth).toBe(false);
  });

  it("accepts a public key read straight from a .pub file (trailing newline)", () => {
    const c = buildCloudConfig(testArgs({ userPublicKey: `${args.userPublicKey}\n` }));
    expect(c.users?.[0]).toMatchObject({ ssh_authorized_keys: [args.userPublicKey] });
  });

  it("pins the caller's host key and deletes the image's keys", () => {
    expect(cfg.ssh_keys).toEqual({
      ed25519_private: args.hostKey.privateKey,
      ed25519_public: args.hostKey.publicKey,
    });
    expect(cfg.ssh_deletekeys).toBe(true);
    expect(cfg.ssh_genkeytypes).toEqual(["ed25519"]);
  });

  it("installs the minimal package set plus extras, once each", () => {
    const c = buildCloudConfig(testArgs({ extraPackages: ["git", "htop", "build-essential"] }));
    expect(c.packages).toEqual(["nodejs", "git", "curl", "ca-certificates", "htop", "build-essential"]);
    expect(c.package_update).toBe(true);
  });

  it("writes the scripts verbatim and passes values only through the env file", () => {
    expect(file(cfg, BOOTSTRAP_SYNC_PATH).content).toBe(EMBEDDED_SCRIPTS["bootstrap-sync.sh"]);
    expect(file(cfg, BOOTSTRAP_ASYNC_PATH).content).toBe(EMBEDDED_SCRIPTS["bootstrap-async.sh"]);
    const env = file(cfg, "/etc/spuff/bootstrap.env");
    expect(env.permissions).toBe("0600");
    expect(env.content).toContain("SPUFF_USER='dev'\n");
    expect(env.content).toContain("SPUFF_DOTFILES_URL=''\n");
    const withDots = buildCloudConfig(testArgs({ dotfiles: "https://github.com/me/dots.git" }));
    expect(file(withDots, "/etc/spuff/bootstrap.env").content).toContain(
      "SPUFF_DOTFILES_URL='https://github.com/me/dots.git'\n",
    );
  });

  it("installs the agent unit guarded by the env file, not enabled", () => {
    const unit = file(cfg, "/etc/systemd/system/spuff-agent.service").content;
    expect(unit).toContain("ConditionPathExists=/etc/spuff/agent.env\n");
    expect(unit).toContain("EnvironmentFile=/etc/spuff/agent.env\n");
    expect(unit).toContain("ExecStart=/usr/bin/node /opt/spuff/spuff-agent.cjs\n");
    expect(unit).toContain("Environment=SPUFF_DEV_USER=dev\n");
    expect(JSON.stringify(cfg.runcmd)).not.toContain("enable");
  });

  it("writes the agent settings", () => {
    expect(JSON.parse(file(cfg, "/etc/spuff/agent.json").content)).toEqual({
      idle_timeout_seconds: 7200,
      max_lifetime_seconds: 86_400,
      created_at: "2026-11-22T05:40:00.000Z",
      provider: "hetzner",
      teardown: "destroy",
    });
  });

  it("runs phase 1 inline and phase 2 as a transient systemd unit (never nohup … &)", () => {
    expect(cfg.runcmd).toEqual([
      [BOOTSTRAP_SYNC_PATH],
      [
        "systemd-run",
        "--unit",
        "spuff-bootstrap",
        "--no-block",
        "--collect",
        "--property=RuntimeMaxSec=3600",
        BOOTSTRAP_ASYNC_PATH,
      ],
    ]);
    for (const cmd of cfg.runcmd ?? []) expect(cmd).not.toContain("&");
  });

  it("quotes every permissions value as a 4-digit octal string", () => {
    for (const f of cfg.write_files ?? []) expect(f.permissions).toMatch(/^0[0-7]{3}$/);
  });
});

describe("buildCloudConfig validation", () => {
  const other = generateHostKey("other");
  const cases: [string, Parameters<typeof testArgs>[0], RegExp][] = [
    ["root user", { user: "root" }, /user: "root" is not allowed/],
    ["bad login", { user: "Dev User" }, /not a valid login name/],
    ["login with newline", { user: "dev\nx" }, /single line/],
    ["hostname", { hostname: "Bad_Host" }, /hostname/],
    ["public key junk", { userPublicKey: "not a key" }, /public key/],
    ["public key type mismatch", { userPublicKey: `ssh-rsa ${other.publicKey.split(" ")[1]}` }, /public key/],
    ["public key with CR", { userPublicKey: `${other.publicKey}\rssh-rsa AAAA` }, /single line/],
    [
      "public key comment with U+2028",
      { userPublicKey: `${other.publicKey}\u2028bootcmd: [[touch, /pwned]]` },
      /public key.*printable ASCII/,
    ],
    [
      "host private without END line",
      { hostKey: { ...testArgs().hostKey, privateKey: testArgs().hostKey.privateKey.trimEnd() } },
      /host key/,
    ],
    ["missing host private", { hostKey: { privateKey: "", publicKey: other.publicKey } }, /host key/],
    [
      "mismatched host pair",
      { hostKey: { privateKey: testArgs().hostKey.privateKey, publicKey: other.publicKey } },
      /does not belong/,
    ],
    ["zero idle", { idleTimeoutSeconds: 0 }, /idle timeout/],
    ["bad date", { createdAt: "yesterday" }, /created_at/],
    ["dotfiles option injection", { dotfiles: "--upload-pack=touch /tmp/x" }, /dotfiles/],
    ["dotfiles newline", { dotfiles: "https://x/y\nrm" }, /single line/],
    ["package with space", { extraPackages: ["vim; reboot"] }, /package/],
  ];
  for (const [name, over, re] of cases) {
    it(`rejects ${name}`, () => {
      let err: unknown;
      try {
        buildCloudConfig(testArgs(over));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).code).toBe("invalid_cloud_config_arg");
      expect((err as Error).message).toMatch(re);
    });
  }
});
