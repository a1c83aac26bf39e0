/**
 * `spuff completion bash|zsh|fish` in the real shells (Debian's bash, zsh and fish; installed by
 * scripts/setup-system.sh): the script is loaded the way README says, the shell's own completion
 * machinery runs it, and the real `spuff` binary (on PATH) answers from the command table and a
 * real state.db.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openInstanceStore } from "../../src/state/open.ts";
import { SPUFF_BIN, spuffEnv } from "../helpers/cli.ts";
import { sample } from "../helpers/instances.ts";

let dir: string;
let env: NodeJS.ProcessEnv;
const scripts = { bash: "", zsh: "", fish: "" };

function shellPresent(shell: string): void {
  const found = spawnSync("sh", ["-c", `command -v ${shell}`]).status === 0;
  expect(found, `${shell} is not installed: run scripts/setup-system.sh`).toBe(true);
}

function run(cmd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { env, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-completion-"));
  // `spuff` on PATH, as an installed one would be: the scripts call it by name.
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, "spuff"), `#!/bin/sh\nexec "${process.execPath}" "${SPUFF_BIN}" "$@"\n`, {
    mode: 0o755,
  });
  env = { ...spuffEnv(dir), PATH: `${bin}:${process.env.PATH}`, TERM: "xterm" };
  const store = openInstanceStore(path.join(dir, "state.db"), Date.now);
  for (const n of ["box", "build-1", "web"]) store.save(sample(n, { provider: "hetzner", status: "ready" }));
  store.close();
  for (const shell of ["bash", "zsh", "fish"] as const) {
    const r = run("spuff", ["completion", shell]);
    expect(r.code, r.stderr).toBe(0);
    scripts[shell] = path.join(dir, `spuff.${shell}`);
    fs.writeFileSync(scripts[shell], r.stdout);
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("spuff completion", () => {
  it("refuses a shell it has no script for (usage, exit 2), and `__complete` never fails", () => {
    const r = run("spuff", ["completion", "tcsh"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Use one of: bash, zsh, fish");
    expect(r.stdout).toBe("");
    const odd = run("spuff", ["__complete", "--help", "-V", "--", "x"]);
    expect(odd).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });
});

describe("bash", () => {
  /** Load the script, then call the function `complete -p spuff` names, as readline would. */
  function bashComplete(line: string): string[] {
    const program = [
      `source "$1"`,
      `fn=$(complete -p spuff | sed -n 's/.*-F \\([^ ]*\\) spuff$/\\1/p')`,
      `COMP_LINE="$2"; COMP_POINT=\${#COMP_LINE}; read -r -a COMP_WORDS <<< "$2"`,
      `[[ "$2" == *" " ]] && COMP_WORDS+=("")`,
      `COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))`,
      `"$fn" spuff "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"`,
      `printf '%s\\n' "\${COMPREPLY[@]}"`,
    ].join("\n");
    const r = run("bash", ["--norc", "--noprofile", "-c", program, "bash", scripts.bash, line]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.split("\n").filter(Boolean);
  }

  it("registers for spuff and passes shellcheck", () => {
    expect(
      run("bash", ["--norc", "-c", 'source "$1"; complete -p spuff', "bash", scripts.bash]).stdout,
    ).toMatch(/-F _spuff_complete spuff/);
    const sc = run("shellcheck", ["-s", "bash", scripts.bash]);
    expect(sc.code, sc.stdout).toBe(0);
  });

  it("completes commands, subcommands, flags, providers and instance names", () => {
    expect(bashComplete("spuff sta")).toEqual(["status"]);
    expect(bashComplete("spuff config s")).toEqual(["show", "set"]);
    expect(bashComplete("spuff list --")).toEqual(["--live", "--json", "--verbose", "--help"]);
    expect(bashComplete("spuff up --provider h")).toEqual(["hetzner"]);
    expect(bashComplete("spuff down ")).toEqual(["box", "build-1", "web"]);
    expect(bashComplete("spuff config get timeouts.ssh_l")).toEqual(["timeouts.ssh_login"]);
    expect(bashComplete("spuff logs box --bundle do")).toEqual(["docker"]);
  });
});

describe("fish", () => {
  const fishComplete = (line: string) => {
    const r = run("fish", [
      "--no-config",
      "-c",
      'source $argv[1]; complete -C "$argv[2]"',
      scripts.fish,
      line,
    ]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.split("\n").filter(Boolean);
  };

  it("completes with descriptions through fish's own `complete -C`", () => {
    shellPresent("fish");
    expect(fishComplete("spuff sta")).toEqual([expect.stringMatching(/^status\tshow one instance/)]);
    expect(fishComplete("spuff ssh ")).toEqual([
      "box\thetzner, ready",
      "build-1\thetzner, ready",
      "web\thetzner, ready",
    ]);
    expect(fishComplete("spuff config set provider ")).toEqual(["aws", "digitalocean", "hetzner", "local"]);
    expect(fishComplete("spuff completion ")).toEqual(["bash", "fish", "zsh"]);
  });
});

describe("zsh", () => {
  /** An interactive zsh on a pseudo-terminal (script(1)) with compinit: TAB is really pressed. */
  function zshOnPty() {
    const child = spawn("script", ["-qfec", "stty cols 160 rows 40; exec zsh -f -i", "/dev/null"], {
      env: { ...env, PS1: "%% " },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let screen = "";
    child.stdout.on("data", (d) => (screen += d));
    return {
      type: (keys: string) => child.stdin.write(keys),
      /** Bounded poll (15 s) for `text` to appear on the screen after `mark`. */
      async until(mark: number, text: string) {
        for (let i = 0; i < 300 && !screen.slice(mark).includes(text); i++)
          await new Promise((r) => setTimeout(r, 50));
        expect(screen.slice(mark), `waiting for ${JSON.stringify(text)}`).toContain(text);
      },
      mark: () => screen.length,
      kill: () => child.kill("SIGKILL"),
    };
  }

  it("completes on TAB after `source <(spuff completion zsh)` style loading", async () => {
    shellPresent("zsh");
    const zsh = zshOnPty();
    try {
      let m = zsh.mark();
      zsh.type(`autoload -Uz compinit && compinit -D; source ${scripts.zsh}; echo loaded-$((6*7))\r`);
      await zsh.until(m, "loaded-42");
      m = zsh.mark();
      zsh.type("spuff sta\t");
      await zsh.until(m, "spuff status");
      m = zsh.mark();
      zsh.type("\x15spuff config \t");
      await zsh.until(m, "-- print the config file's path");
      m = zsh.mark();
      zsh.type("\x15spuff down b\t");
      await zsh.until(m, "build-1");
      m = zsh.mark();
      zsh.type("\x15spuff down w\t");
      await zsh.until(m, "spuff down web");
      zsh.type("\x15exit\r");
    } finally {
      zsh.kill();
    }
  });
});
