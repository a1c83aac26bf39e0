// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell and spuff.yaml syntax in strings
/**
 * spuff.yaml really applied, on real nspawn machines behind the DigitalOcean simulator (spuff's
 * production path for that cloud; these guests reach the host's loopback from their own
 * 127.0.0.N, the way a cloud VM reaches the internet):
 * - a Debian package installed (through a proxy on the host's loopback that relays to Debian's
 *   mirror only: the guest has no other way out),
 * - a git repository cloned over SSH from a real OpenSSH sshd on this computer that only accepts
 *   a key held by a local ssh-agent (the VM has no key: the clone works through the agent
 *   forwarded over spuff's pinned connection),
 * - an env var from spuff.secrets.yaml, two setup steps, a port forwarded by `spuff tunnel`;
 * each checked from inside the VM, and the secret found in no user-data, no world-readable file
 * and no log, on the VM or here;
 * - a background bundle that needs the open internet (devbox) ends `failed` with its log, and
 *   the overall bootstrap says failed, while the shell still works;
 * - a failing setup step stops the rest, shows failed with its log in `spuff status` and
 *   `spuff logs --setup`, and `up` exits non-zero unless --allow-setup-failure.
 */

import { execFileSync, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { machineLayout } from "../../src/machines/layout.ts";
import { startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { realMachineBackend } from "../../src/sim/machine-backend.ts";
import { type AptProxy, startAptProxy } from "../helpers/apt-proxy.ts";
import { runSpuff } from "../helpers/cli.ts";
import {
  leftovers,
  NOTHING_LEFT,
  removeDataDirs,
  runMachineSuites,
  tempDataDir,
} from "../helpers/machines.ts";
import { startSpuff } from "../helpers/spuff-process.ts";
import {
  type AgentFixture,
  generateKeyPair,
  type SshdFixture,
  startSshAgent,
  startSshd,
} from "../helpers/sshd.ts";

const SECRET = `sk-e2e-${randomBytes(16).toString("hex")}`;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const README = `hello from the host ${randomBytes(4).toString("hex")}\n`;
/** The VM-side port the project forwards (same number locally). */
const WEB_PORT = 20_000 + Math.floor(Math.random() * 30_000);

describe.runIf(runMachineSuites)("spuff.yaml on real machines (DigitalOcean simulator, nspawn)", () => {
  let dir: string;
  let sim: Awaited<ReturnType<typeof startDigitalOceanSim>>;
  let gitd: SshdFixture;
  let agent: AgentFixture;
  let proxy: AptProxy;
  let env: Record<string, string>;
  let repoPath: string;

  beforeAll(async () => {
    dir = tempDataDir("project-env");
    generateKeyPair(path.join(dir, "id_ed25519"));
    // The git server: real sshd on the host's 127.0.0.1 (what 10.0.2.2 is from the guest).
    gitd = await startSshd({ host: "127.0.0.1" });
    agent = await startSshAgent();
    agent.add(gitd.clientKeyPath); // the only key the git server accepts lives in the agent
    repoPath = path.join(gitd.dir, "app.git");
    // The user accepted the git server's key on this computer (HOME is `dir` for the binary):
    // the VM's clone trusts exactly this entry, under the address the guest uses.
    fs.mkdirSync(path.join(dir, ".ssh"), { recursive: true });
    fs.writeFileSync(
      path.join(dir, ".ssh", "known_hosts"),
      `[10.0.2.2]:${gitd.port} ${gitd.hostPublicKey.split(" ").slice(0, 2).join(" ")}\n`,
    );
    const work = path.join(gitd.dir, "work");
    const git = (cwd: string, ...a: string[]) => execFileSync("git", ["-C", cwd, ...a], { stdio: "pipe" });
    execFileSync("git", ["init", "-q", "--bare", repoPath]);
    fs.mkdirSync(work);
    fs.writeFileSync(path.join(work, "README"), README);
    git(work, "init", "-q", "-b", "main");
    git(work, "add", ".");
    git(work, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "from the host");
    git(work, "push", "-q", repoPath, "main");
    proxy = await startAptProxy();
    sim = await startDigitalOceanSim({
      activeAfterMs: 200,
      backend: realMachineBackend({ driver: "nspawn", dataDir: dir }),
    });
    env = {
      SPUFF_DATA_DIR: dir,
      SPUFF_CONFIG_DIR: path.join(dir, "cfg"),
      DIGITALOCEAN_TOKEN: sim.token,
      DIGITALOCEAN_API_URL: sim.url,
      SSH_AUTH_SOCK: agent.socket,
      E2E_LOCAL_SECRET: SECRET,
    };
    const init = await run([
      "init",
      "--defaults",
      "--provider",
      "digitalocean",
      "--ssh-key",
      path.join(dir, "id_ed25519"),
    ]);
    expect(init.code, init.stderr).toBe(0);
    // A background bundle that needs the open internet, which these guests do not have.
    expect((await run(["config", "set", "environment", "devbox"])).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    for (const n of ["e2e-proj", "e2e-fail", "e2e-fail-ok"])
      await run(["down", n, "--force", "--json"], 120_000).catch(() => {});
    await sim?.close();
    await proxy?.close();
    await agent?.stop();
    await gitd?.stop();
    if (dir) await removeDataDirs([dir]);
  }, 300_000);

  const run = (args: string[], timeoutMs = 60_000, cwd?: string) =>
    runSpuff(args, { configDir: dir, env, timeoutMs, ...(cwd ? { cwd } : {}) });
  const onVm = async (name: string, script: string) => {
    const r = await run(["exec", name, "--", "bash", "-lc", script]);
    expect(r.code, `${script}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };

  function projectDir(name: string, yaml: string, secrets?: string): string {
    const p = path.join(dir, `project-${name}`);
    fs.mkdirSync(path.join(p, "sub"), { recursive: true });
    fs.writeFileSync(path.join(p, "spuff.yaml"), yaml);
    if (secrets) fs.writeFileSync(path.join(p, "spuff.secrets.yaml"), secrets, { mode: 0o600 });
    return p;
  }
  /** A project file runs nothing until approved (no terminal here to ask): approve it as a user would. */
  async function trusted(p: string): Promise<string> {
    const r = await run(["trust", p]);
    expect(r.code, r.stderr).toBe(0);
    return p;
  }

  it("installs a package, clones through the forwarded agent, sets env from a secret, runs two steps, forwards a port", async () => {
    const proj = projectDir(
      "ok",
      [
        "name: e2e-proj",
        "packages: [tree]",
        "repositories:",
        `  - { url: "ssh://${gitd.user}@10.0.2.2:${gitd.port}${repoPath}", path: app, branch: main }`,
        "env:",
        `  http_proxy: http://10.0.2.2:${proxy.port}`,
        "  API_KEY: placeholder-overridden-by-secrets",
        "  GREETING: hello",
        "setup:",
        "  - printf '%s' \"$API_KEY\" | sha256sum | cut -d' ' -f1 > ~/workspace/step1.sha",
        `  - cp app/README step2.txt && mkdir -p www && cp app/README www/index.html && (cd www && setsid nohup python3 -m http.server ${WEB_PORT} --bind 127.0.0.1 >/dev/null 2>&1 </dev/null &)`,
        `ports: [${WEB_PORT}]`,
        // Runs before `down` destroys, agent forwarded: pushes a commit back to this computer.
        "hooks:",
        "  post_up: echo post-up-said-hi && touch ~/workspace/post_up.done",
        "  pre_down: cd app && git -c user.email=t@t -c user.name=t commit -q --allow-empty -m pushed-by-pre-down && git push -q origin HEAD:main",
      ].join("\n"),
      "env:\n  API_KEY: ${E2E_LOCAL_SECRET}\n",
    );
    // Found from a subdirectory; --json for NDJSON phases.
    await trusted(proj);
    const up = await run(["up", "--no-connect", "--json"], 400_000, path.join(proj, "sub"));
    expect(up.code, up.stderr + up.stdout).toBe(0);
    const events = up.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const done = events.filter((e) => e.status === "done").map((e) => e.phase);
    expect(done.slice(-2)).toEqual(["environment", "setup"]);
    // While setup runs its current step is the phase's live detail.
    expect(
      events.some((e) => e.phase === "setup" && e.status === "progress" && /^step [1-5]\/5: /.test(e.detail)),
    ).toBe(true);
    const ms = (p: string) => events.find((e) => e.phase === p && e.status === "done")?.ms;
    console.log(`environment ${ms("environment")} ms, setup ${ms("setup")} ms, up ${events.at(-1).ms} ms`);
    const ready = events.at(-1);
    expect(ready).toMatchObject({ event: "ready", name: "e2e-proj", setup: { status: "done" } });
    expect(ready.setup.steps.map((s: { name: string }) => s.name)).toEqual([
      "packages tree",
      "clone app",
      expect.stringMatching(/^setup 1: printf/),
      expect.stringMatching(/^setup 2: cp app\/README/),
      "post_up: echo post-up-said-hi && touch ~/workspace/post_up.done",
    ]);

    // Each effect, from inside the VM.
    expect(await onVm("e2e-proj", "dpkg-query -W -f='${Status}' tree")).toBe("install ok installed");
    expect(await onVm("e2e-proj", "cat ~/workspace/app/README")).toBe(README);
    expect(await onVm("e2e-proj", "git -C ~/workspace/app log -1 --format=%s")).toBe("from the host\n");
    expect(await onVm("e2e-proj", 'printf %s "$API_KEY" | sha256sum | cut -d" " -f1')).toBe(
      `${sha256(SECRET)}\n`,
    );
    expect(await onVm("e2e-proj", 'echo "$GREETING"')).toBe("hello\n");
    // Plain `spuff exec` (no login shell) sees the project env too, and argv passes unchanged.
    const plain = await run(["exec", "e2e-proj", "--", "printf", "%s|%s", "$GREETING", "a b"]);
    expect(plain.stdout).toBe("$GREETING|a b");
    expect((await run(["exec", "e2e-proj", "--", "printenv", "GREETING"])).stdout).toBe("hello\n");
    expect(await onVm("e2e-proj", "cat ~/workspace/step1.sha")).toBe(`${sha256(SECRET)}\n`);
    expect(await onVm("e2e-proj", "cat ~/workspace/step2.txt")).toBe(README);
    expect(await onVm("e2e-proj", "ls ~/workspace/post_up.done")).toBe("/home/dev/workspace/post_up.done\n");
    expect(await onVm("e2e-proj", "stat -c '%a %U' ~/.config/spuff/env.sh")).toBe("600 dev\n");
    // The VM had no key of its own for the git server: the clone went through the agent.
    expect(await onVm("e2e-proj", "ls ~/.ssh; true")).not.toMatch(/id_|client/);
    expect(gitd.log()).toMatch(/Accepted publickey for root/);
    expect(proxy.fetched.some((u) => /\/tree_.*\.deb$/.test(u))).toBe(true);

    // The port, through `spuff tunnel` with no -p (the project's ports).
    const tunnel = startSpuff(["tunnel", "e2e-proj", "--json"], { configDir: dir, env, timeoutMs: 120_000 });
    try {
      const mapping = JSON.parse(await tunnel.waitForLine((l) => l.startsWith("{"), 60_000));
      expect(mapping.forwards).toEqual([
        { local_host: "127.0.0.1", local_port: WEB_PORT, remote_host: "127.0.0.1", remote_port: WEB_PORT },
      ]);
      let body = "";
      for (let i = 0; i < 50 && body !== README; i++) {
        body = await fetch(`http://127.0.0.1:${WEB_PORT}/index.html`).then(
          (r) => r.text(),
          () => "",
        );
        if (body !== README) await new Promise((r) => setTimeout(r, 200));
      }
      expect(body).toBe(README);
    } finally {
      tunnel.child.kill("SIGINT");
      await tunnel.done;
    }
    // `spuff ssh` forwards the same port for as long as the session lasts.
    const session = runSpuff(["ssh", "e2e-proj"], {
      configDir: dir,
      env,
      timeoutMs: 60_000,
      input: "sleep 8\n",
    });
    let viaSsh = "";
    for (let i = 0; i < 50 && viaSsh !== README; i++) {
      await new Promise((r) => setTimeout(r, 200));
      viaSsh = await fetch(`http://127.0.0.1:${WEB_PORT}/index.html`).then(
        (r) => r.text(),
        () => "",
      );
    }
    expect(viaSsh).toBe(README);
    const ended = await session;
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stderr).toContain(`spuff: forwarding 127.0.0.1:${WEB_PORT} → e2e-proj:${WEB_PORT}`);

    // status: the checklist; logs --setup: each step's log.
    const st = JSON.parse((await run(["status", "e2e-proj", "--json"])).stdout);
    expect(st.agent.bootstrap.setup.map((s: { status: string }) => s.status)).toEqual([
      "done",
      "done",
      "done",
      "done",
      "done",
    ]);
    const human = (await run(["status", "e2e-proj"])).stdout;
    expect(human).toMatch(/^Setup +✓ packages tree$/m);
    expect(human).toMatch(/^ +✓ clone app$/m);
    const logs = await run(["logs", "e2e-proj", "--setup"]);
    expect(logs.stdout).toMatch(/==> 02 clone app \(done\) <==\n.*Cloning into/);
    // -f follows the last step that ran (post_up here) until Ctrl-C, then exits 0.
    const follow = startSpuff(["logs", "e2e-proj", "--setup", "-f"], {
      configDir: dir,
      env,
      timeoutMs: 60_000,
    });
    expect(await follow.waitForLine((l) => l === "post-up-said-hi", 30_000)).toBe("post-up-said-hi");
    follow.child.kill("SIGINT");
    expect((await follow.done).code).toBe(0);

    // The background bundle needs the internet: failed with its log, overall failed, shell fine.
    let bundle: { name: string; status: string; log: string } | undefined;
    for (let i = 0; i < 90; i++) {
      const b = JSON.parse((await run(["status", "e2e-proj", "--json"])).stdout).agent.bootstrap;
      bundle = b.bundles.find((x: { name: string }) => x.name === "devbox");
      if (bundle && ["done", "failed", "skipped"].includes(bundle.status)) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const final = JSON.parse((await run(["status", "e2e-proj", "--json"])).stdout).agent;
    console.log(`devbox bundle: ${bundle?.status}`);
    if (bundle?.status === "done") {
      // Only if this host gave the guest the open internet after all.
      expect(await onVm("e2e-proj", "devbox version")).not.toBe("");
    } else {
      expect(bundle?.status).toBe("failed");
      expect(final.status.bootstrap_status).toBe("failed");
      const banner = await run(["exec", "e2e-proj", "--", "bash", "-lc", "true"]);
      expect(banner.stderr).toContain("spuff: tool bundle devbox FAILED");
      const log = await run(["logs", "e2e-proj", "--bundle", "devbox"]);
      expect(log.code).toBe(0);
      expect(log.stdout).toMatch(/curl|resolve|connect/i);
      expect((await run(["status", "e2e-proj"])).stdout).toMatch(
        /^Bundles +✗ devbox \(failed, exit \d+; spuff logs e2e-proj --bundle devbox\)$/m,
      );
    }
    expect((await run(["exec", "e2e-proj", "--", "true"])).code).toBe(0);

    // The secret: nowhere but the dev user's 0600 env file on the VM; not in user-data or a log.
    // The pattern goes to grep on stdin: a secret on a command line would be logged by sudo.
    const holders = await run([
      "exec",
      "e2e-proj",
      "--",
      "bash",
      "-lc",
      'printf %s "$API_KEY" | sudo -n grep -rlsF -f - /etc /var /opt /home /root /tmp /run/cloud-init',
    ]);
    expect(holders.stdout.trim().split("\n")).toEqual(["/home/dev/.config/spuff/env.sh"]);
    const userData = [...sim.state.droplets.values()].map((d) => JSON.stringify(d)).join("\n");
    expect(userData).toContain("#cloud-config");
    expect(userData).not.toContain(SECRET);
    // Here: spuff's own files (state.db, records, ssh_config) hold nothing of it. (The data dir
    // is left out: it holds the machines' disks, i.e. the VM's own 0600 file checked above.)
    const local = spawnSync("grep", ["-rlsF", SECRET, env.SPUFF_CONFIG_DIR as string], { encoding: "utf8" });
    expect(local.stdout).toBe("");
    for (const out of [up.stdout, up.stderr, logs.stdout, logs.stderr]) expect(out).not.toContain(SECRET);
  }, 600_000);

  it("a failing setup step stops the rest, shows failed with its log, and fails `up` unless --allow-setup-failure", async () => {
    const yaml = (name: string) =>
      [
        `name: ${name}`,
        "setup:",
        "  - echo first ran > first.txt",
        "  - echo about to fail; exit 3",
        "  - touch third.txt",
      ].join("\n");
    const proj = await trusted(projectDir("fail", yaml("e2e-fail")));
    const up = await run(["up", "--no-connect"], 400_000, proj);
    expect(up.code, up.stderr).toBe(1);
    expect(up.stderr).toMatch(/Setup step 02 failed \(exit 3\): setup 2: echo about to fail; exit 3/);
    expect(up.stderr).toContain("about to fail");
    expect(up.stderr).toMatch(/--allow-setup-failure/);

    const st = JSON.parse((await run(["status", "e2e-fail", "--json"])).stdout);
    expect(st.instance.status).toBe("ready");
    expect(st.agent.status.bootstrap_status).toBe("failed");
    expect(st.agent.bootstrap.setup.map((s: { status: string }) => s.status)).toEqual([
      "done",
      "failed",
      "skipped",
    ]);
    expect((await run(["status", "e2e-fail"])).stdout).toMatch(
      /✗ setup 2: echo about to fail; exit 3 \(failed, exit 3; spuff logs e2e-fail --setup\)/,
    );
    const logs = await run(["logs", "e2e-fail", "--setup"]);
    expect(logs.stdout).toMatch(
      /==> 02 setup 2: echo about to fail; exit 3 \(failed, exit 3\) <==\nabout to fail\n/,
    );
    expect(await onVm("e2e-fail", "ls ~/workspace")).toBe("first.txt\n");

    const ok = await run(
      ["up", "e2e-fail-ok", "--no-connect", "--allow-setup-failure", "--json"],
      400_000,
      await trusted(projectDir("fail-ok", yaml("e2e-fail-ok"))),
    );
    expect(ok.code, ok.stderr).toBe(0);
    const ready = JSON.parse(ok.stdout.trim().split("\n").at(-1) as string);
    expect(ready).toMatchObject({
      event: "ready",
      name: "e2e-fail-ok",
      setup: { status: "failed", failed_step: "setup 2: echo about to fail; exit 3" },
    });
    const failedPhase = ok.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .find((e) => e.phase === "setup" && e.status === "failed");
    expect(failedPhase).toBeDefined();
  }, 900_000);

  it("down destroys every instance and leaves no machine behind", async () => {
    for (const n of ["e2e-proj", "e2e-fail", "e2e-fail-ok"]) {
      const d = await run(["down", n, "--yes", "--json"], 180_000);
      expect(d.code, d.stderr).toBe(0);
      if (n === "e2e-proj") expect(JSON.parse(d.stdout).pre_down).toEqual({ exit_code: 0 });
    }
    // pre_down ran before the destroy, on the VM, and pushed here through the forwarded agent.
    const log = execFileSync("git", ["--git-dir", repoPath, "log", "-1", "--format=%s", "main"], {
      encoding: "utf8",
    });
    expect(log).toBe("pushed-by-pre-down\n");
    expect(sim.state.droplets.size).toBe(0);
    expect(leftovers(machineLayout(dir))).toEqual(NOTHING_LEFT);
  }, 600_000);
});
