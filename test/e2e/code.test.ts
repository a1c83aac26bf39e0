/**
 * `spuff code` through the bundled binary: a stand-in `code` on PATH records its arguments; the
 * Remote-SSH host it is given is then reached with plain OpenSSH through the ~/.ssh/config that
 * `spuff code --yes` installed, against a real sshd on loopback (pinned host key, no prompts).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openInstanceStore } from "../../src/state/open.ts";
import { runSpuff } from "../helpers/cli.ts";
import { sample } from "../helpers/instances.ts";
import { answerOnPty } from "../helpers/pty.ts";
import { type SshdFixture, startSshd } from "../helpers/sshd.ts";

let sshd: SshdFixture;
let dir: string;
let bin: string;
const NAME = "spuff-c9aa5f84"; // a default name: its alias carries one prefix

beforeAll(async () => {
  sshd = await startSshd();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-code-"));
  fs.mkdirSync(path.join(dir, ".ssh"), { mode: 0o700 });
  fs.copyFileSync(sshd.clientKeyPath, path.join(dir, ".ssh", "id_ed25519"));
  fs.chmodSync(path.join(dir, ".ssh", "id_ed25519"), 0o600);
  const store = openInstanceStore(path.join(dir, "state.db"), Date.now);
  store.save(
    sample(NAME, {
      providerId: "1",
      status: "ready",
      ip: sshd.host,
      sshPort: sshd.port,
      sshUser: sshd.user,
      hostKey: sshd.hostPublicKey.split(" ").slice(0, 2).join(" "),
    }),
  );
  store.close();
  // The stand-in IDE: records each argument on its own line.
  bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, "code"),
    `#!/bin/sh\nprintf '%s\\n' "$@" > "${path.join(dir, "code-args")}"\n`,
    { mode: 0o755 },
  );
}, 60_000);
afterAll(async () => {
  await sshd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const withPath = (p: string) => ({ PATH: `${p}:${process.env.PATH ?? "/usr/bin:/bin"}` });

/** `spuff code NAME` on a pty; `answer` is typed once the question is on the screen. */
function codeOnTty(answer: string): Promise<{ code: number | null; screen: string }> {
  // 200 columns: the Include question is one long line.
  return answerOnPty(
    ["code", NAME],
    { configDir: dir, env: withPath(bin), cols: 200 },
    "to the top of it?",
    answer,
  );
}

describe("spuff code", () => {
  it("without the IDE's CLI on PATH: a clear error with the install hint, exit 1", async () => {
    const r = await runSpuff(["code", NAME, "--ide", "cursor"], {
      configDir: dir,
      env: { PATH: "/nonexistent" },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("`cursor` is not on PATH");
    expect(r.stderr).toMatch(/Hint: Install cursor's command-line tool/);
  });

  it("refuses an --ide that is a path or shell text", async () => {
    const r = await runSpuff(["code", NAME, "--ide", "../x;id"], { configDir: dir, env: withPath(bin) });
    expect(r.code).toBe(2);
    expect(fs.existsSync(path.join(dir, "code-args"))).toBe(false);
  });

  it("without a terminal and without --yes refuses, naming `spuff ssh-config install`", async () => {
    const r = await runSpuff(["code", NAME], { configDir: dir, env: withPath(bin) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("spuff ssh-config install");
    expect(fs.existsSync(path.join(dir, ".ssh", "config"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "code-args"))).toBe(false);
  });

  it("on a terminal asks first: 'no' changes nothing and opens nothing, 'yes' installs and opens", async () => {
    const no = await codeOnTty("n");
    expect(no.code, no.screen).toBe(130);
    expect(no.screen).toContain("spuff ssh-config install");
    expect(fs.existsSync(path.join(dir, ".ssh", "config"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "code-args"))).toBe(false);
    const yes = await codeOnTty("y");
    expect(yes.code, yes.screen).toBe(0);
    expect(fs.readFileSync(path.join(dir, "code-args"), "utf8")).toContain(`ssh-remote+${NAME}`);
    // Back to a user without the Include for the next case.
    fs.rmSync(path.join(dir, ".ssh", "config"));
    fs.rmSync(path.join(dir, "code-args"));
  }, 60_000);

  it("--yes installs the Include and opens ~/workspace on the alias; plain ssh reaches it", async () => {
    const r = await runSpuff(["code", "--yes"], { configDir: dir, env: withPath(bin) });
    expect(r.code, r.stderr).toBe(0);
    const args = fs.readFileSync(path.join(dir, "code-args"), "utf8").trim().split("\n");
    expect(args).toEqual(["--remote", `ssh-remote+${NAME}`, `/home/${sshd.user}/workspace`]);
    const userConfig = path.join(dir, ".ssh", "config");
    expect(fs.readFileSync(userConfig, "utf8")).toContain(`Include ${path.join(dir, "ssh_config")}`);
    const ssh = spawnSync(
      "ssh",
      ["-F", userConfig, "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", NAME, "true"],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(ssh.stderr).toBe("");
    expect(ssh.status).toBe(0);
  }, 90_000);
});
