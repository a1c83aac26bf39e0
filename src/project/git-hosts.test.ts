/**
 * Git host keys on the VM: only the user's own known_hosts entries are trusted. The clone step
 * runs here for real against an OpenSSH sshd on loopback (git over ssh, key in an agent).
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentFixture, type SshdFixture, startSshAgent, startSshd } from "../../test/helpers/sshd.ts";
import { gitKnownHosts, knownHostsName, sshHostOf } from "./git-hosts.ts";
import type { Project } from "./load.ts";
import { setupSteps } from "./steps.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-git-hosts-"));
let sshd: SshdFixture;
let agent: AgentFixture;
let repo: string;
beforeAll(async () => {
  [sshd, agent] = await Promise.all([startSshd({ host: "127.0.0.1" }), startSshAgent()]);
  agent.add(sshd.clientKeyPath);
  repo = path.join(sshd.dir, "app.git");
  const work = path.join(tmp, "work");
  execFileSync("git", ["init", "-q", "--bare", repo]);
  fs.mkdirSync(work);
  fs.writeFileSync(path.join(work, "README"), "hi\n");
  const git = (...a: string[]) => execFileSync("git", ["-C", work, ...a], { stdio: "pipe" });
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "x");
  git("push", "-q", repo, "main");
}, 30_000);
afterAll(async () => {
  await Promise.all([sshd?.stop(), agent?.stop()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("sshHostOf", () => {
  it("finds the SSH host and port of scp-like and ssh:// URLs; none for https", () => {
    expect(sshHostOf("git@github.com:acme/app.git")).toEqual({ host: "github.com", port: 22 });
    expect(sshHostOf("ssh://git@10.0.2.2:2222/srv/app.git")).toEqual({ host: "10.0.2.2", port: 2222 });
    expect(sshHostOf("ssh://host.example/x")).toEqual({ host: "host.example", port: 22 });
    expect(sshHostOf("https://github.com/acme/app.git")).toBeUndefined();
    expect(knownHostsName({ host: "h", port: 2222 })).toBe("[h]:2222");
  });
});

function userKnownHosts(name: string, lines: string): string {
  const f = path.join(tmp, `${name}_known_hosts`);
  fs.writeFileSync(f, lines);
  return f;
}

const url = () => `ssh://${sshd.user}@127.0.0.1:${sshd.port}${repo}`;
const keyLine = () => `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey.split(" ").slice(0, 2).join(" ")}\n`;

describe("gitKnownHosts", () => {
  it("copies the user's entries (plain or hashed) for each SSH host, nothing else", () => {
    const f = userKnownHosts(
      "plain",
      `other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther\n${keyLine()}`,
    );
    const text = gitKnownHosts(
      [
        { url: url(), path: "app" },
        { url: "https://x.example/y.git", path: "y" },
      ],
      f,
    );
    expect(text).toBe(keyLine());
    const hashed = userKnownHosts("hashed", keyLine());
    execFileSync("ssh-keygen", ["-H", "-f", hashed], { stdio: "pipe" });
    expect(gitKnownHosts([{ url: url(), path: "app" }], hashed)).toMatch(/^\|1\|/);
  });

  it("a host the user never accepted is an error naming it and the fix", () => {
    const f = userKnownHosts("empty", "");
    expect(() => gitKnownHosts([{ url: "git@git.example.org:a/b.git", path: "b" }], f)).toThrow(
      /clones from git\.example\.org, whose SSH host key is not in/,
    );
    try {
      gitKnownHosts([{ url: "git@git.example.org:a/b.git", path: "b" }], f);
    } catch (err) {
      expect((err as { hint: string }).hint).toContain("ssh -p 22 -T git@git.example.org");
    }
  });
});

describe("the clone step over a real sshd", () => {
  const project = (knownHosts: string): Project => ({
    file: "/p/spuff.yaml",
    root: "/p",
    resources: {},
    bundles: [],
    packages: [],
    prebuild: [],
    repositories: [{ url: url(), path: "app", branch: "main" }],
    env: {},
    secretKeys: [],
    setup: [],
    ports: [],
    hooks: {},
    reads: [],
    digest: "",
    gitKnownHosts: knownHosts,
  });
  const runClone = (home: string, knownHosts: string) => {
    fs.mkdirSync(home, { recursive: true });
    const [step] = setupSteps(project(knownHosts), "dev");
    const script = path.join(home, "clone.sh");
    fs.writeFileSync(script, step?.script ?? "");
    return spawnSync("bash", [script], {
      env: { PATH: process.env.PATH, HOME: home, SSH_AUTH_SOCK: agent.socket },
      encoding: "utf8",
      timeout: 30_000,
    });
  };

  it("clones when the user's entry for the host was copied", () => {
    const home = path.join(tmp, "home-ok");
    const r = runClone(home, keyLine());
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(home, "workspace", "app", "README"), "utf8")).toBe("hi\n");
    // Kept for later git commands (pre_down's push), once even when a second clone runs.
    expect(runClone(home, keyLine()).status).toBe(0);
    expect(fs.readFileSync(path.join(home, ".ssh", "known_hosts"), "utf8")).toBe(keyLine());
  });

  it("refuses a host key nobody accepted (no trust on first use) and remembers nothing", () => {
    const home = path.join(tmp, "home-unknown");
    const r = runClone(home, "");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Host key verification failed|No .* host key is known/);
    expect(fs.existsSync(path.join(home, "workspace", "app"))).toBe(false);
    expect(fs.readFileSync(path.join(home, ".ssh", "known_hosts"), "utf8")).toBe("");
  });
});

describe("dotfiles at boot", () => {
  it("clone with StrictHostKeyChecking yes against the copied lines, never accept-new", async () => {
    const { EMBEDDED_SCRIPTS } = await import("../cloudinit/scripts.generated.ts");
    const { bootstrapEnv } = await import("../cloudinit/build.ts");
    const script = EMBEDDED_SCRIPTS["bootstrap-async.sh"];
    expect(script).not.toContain("accept-new");
    expect(script).toContain("StrictHostKeyChecking=yes");
    const env = bootstrapEnv({ user: "dev", dotfiles: url(), dotfilesKnownHosts: keyLine() } as never);
    expect(env.SPUFF_DOTFILES_KNOWN_HOSTS).toBe(keyLine());
  });
});
