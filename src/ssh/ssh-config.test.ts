import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPair, type SshdFixture, startSshd } from "../../test/helpers/sshd.ts";
import { resolvePaths } from "../core/paths.ts";
import type { InstanceRecord } from "../state/types.ts";
import { applyInclude, planInclude } from "./include-line.ts";
import { hostAlias, renderSshConfig, type SshHostEntry } from "./ssh-config.ts";
import { hostEntries, syncSshFiles } from "./sync-files.ts";

let sshd: SshdFixture;
let dir: string;
beforeAll(async () => {
  sshd = await startSshd();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-sshcfg-"));
});
afterAll(async () => {
  await sshd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const entry = (over: Partial<SshHostEntry> = {}): SshHostEntry => ({
  name: "box",
  host: sshd.host,
  port: sshd.port,
  user: sshd.user,
  identityFile: sshd.clientKeyPath,
  hostKey: sshd.hostPublicKey.split(" ").slice(0, 2).join(" "),
  forwardAgent: "never",
  ...over,
});

/** Plain OpenSSH, using only the files spuff wrote: no prompts, no trust on first use. */
function plainSsh(configFile: string, alias: string) {
  return spawnSync(
    "ssh",
    ["-F", configFile, "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", alias, "echo", "pinned-ok"],
    {
      encoding: "utf8",
      timeout: 20_000,
    },
  );
}

describe("spuff's ssh_config and known_hosts", () => {
  it("let plain `ssh spuff-NAME` connect with the pinned key", () => {
    const paths = resolvePaths({ SPUFF_CONFIG_DIR: path.join(dir, "ok"), HOME: dir });
    syncSshFiles(paths, [entry()]);
    const r = plainSsh(paths.sshConfig, "spuff-box");
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("pinned-ok");
    expect(fs.statSync(paths.sshConfig).mode & 0o777).toBe(0o600);
  });

  it("forward_agent: ssh spuff-NAME is interactive, so auto and always forward there, never does not", () => {
    const fwd = (forwardAgent: "auto" | "always" | "never") =>
      renderSshConfig([entry({ forwardAgent })], "/k").match(/ForwardAgent (\w+)/)?.[1];
    expect([fwd("auto"), fwd("always"), fwd("never")]).toEqual(["yes", "yes", "no"]);
  });

  it("make plain ssh refuse a server whose key differs from the pinned one", () => {
    const other = generateKeyPair(path.join(dir, "other_host_key"));
    const paths = resolvePaths({ SPUFF_CONFIG_DIR: path.join(dir, "bad"), HOME: dir });
    syncSshFiles(paths, [entry({ hostKey: other.split(" ").slice(0, 2).join(" ") })]);
    const r = plainSsh(paths.sshConfig, "spuff-box");
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toContain("pinned-ok");
    expect(r.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it("during a host key rotation accept either pinned key, and nothing else", () => {
    const other = generateKeyPair(path.join(dir, "rotating_key")).split(" ").slice(0, 2).join(" ");
    const paths = resolvePaths({ SPUFF_CONFIG_DIR: path.join(dir, "rot"), HOME: dir });
    for (const hostKey of [`${other}\n${entry().hostKey}`, `${entry().hostKey}\n${other}`]) {
      syncSshFiles(paths, [entry({ hostKey })]);
      expect(fs.readFileSync(paths.knownHosts, "utf8").trim().split("\n")).toHaveLength(2);
      expect(plainSsh(paths.sshConfig, "spuff-box").stdout.trim()).toBe("pinned-ok");
    }
    // A "key" smuggling a marker or a second pattern onto its own line is refused.
    for (const hostKey of [`${other}\n@cert-authority * ${other}`, `${other}\n* ${other}`, `${other} x\ty`]) {
      expect(() => syncSshFiles(paths, [entry({ hostKey })])).toThrow(/Refusing/);
    }
  });

  it("give a default name (spuff-c9aa5f84) one prefix, and plain ssh reaches it by that alias", () => {
    expect(hostAlias("box")).toBe("spuff-box");
    expect(hostAlias("spuff-c9aa5f84")).toBe("spuff-c9aa5f84");
    const paths = resolvePaths({ SPUFF_CONFIG_DIR: path.join(dir, "default-name"), HOME: dir });
    syncSshFiles(paths, [entry({ name: "spuff-c9aa5f84" })]);
    expect(fs.readFileSync(paths.sshConfig, "utf8")).not.toContain("spuff-spuff-");
    expect(fs.readFileSync(paths.knownHosts, "utf8")).toMatch(/^spuff-c9aa5f84 ssh-ed25519 /);
    const r = plainSsh(paths.sshConfig, "spuff-c9aa5f84");
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("pinned-ok");
  });

  it("never give two instances one Host: `spuff-box` keeps it, `box` gets no block", () => {
    const rec = (name: string, ip: string) =>
      ({ name, ip, hostKey: "ssh-ed25519 AAAA", sshPort: 22, sshUser: "dev" }) as InstanceRecord;
    const opts = { identityFile: "/k", forwardAgent: "never" as const };
    const both = hostEntries([rec("box", "127.0.0.2"), rec("spuff-box", "127.0.0.3")], opts);
    expect(both.map((e) => [e.name, e.host])).toEqual([["spuff-box", "127.0.0.3"]]);
    expect(hostEntries([rec("box", "127.0.0.2")], opts).map((e) => e.name)).toEqual(["box"]);
  });

  it("refuses values that would inject ssh_config directives", () => {
    expect(() => renderSshConfig([entry({ host: "1.2.3.4\n  ProxyCommand evil" })], "/k")).toThrow(
      /Refusing/,
    );
    expect(() => renderSshConfig([entry({ name: "a b" })], "/k")).toThrow(/Refusing/);
    expect(() => renderSshConfig([entry({ user: "dev\r" })], "/k")).toThrow(/Refusing/);
  });
});

describe("ssh-config install", () => {
  it("adds one Include line at the top, keeps a backup, and is idempotent", () => {
    const userConfig = path.join(dir, "user_ssh_config");
    const original = "Host example\n  User me\n";
    fs.writeFileSync(userConfig, original, { mode: 0o644 });
    const plan = planInclude(userConfig, "/cfg/spuff/ssh_config");
    expect(plan.alreadyInstalled).toBe(false);
    const backup = applyInclude(plan, new Date(0));
    expect(fs.readFileSync(backup as string, "utf8")).toBe(original);
    const after = fs.readFileSync(userConfig, "utf8");
    expect(after.startsWith("# Added by spuff")).toBe(true);
    expect(after.split("\n")[1]).toBe("Include /cfg/spuff/ssh_config");
    expect(after.endsWith(original)).toBe(true);
    expect(fs.statSync(userConfig).mode & 0o777).toBe(0o644);
    const again = planInclude(userConfig, "/cfg/spuff/ssh_config");
    expect(again.alreadyInstalled).toBe(true);
    expect(applyInclude(again, new Date(1))).toBeUndefined();
    expect(fs.readFileSync(userConfig, "utf8")).toBe(after);
  });
});
