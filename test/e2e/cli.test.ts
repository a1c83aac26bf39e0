/** The real bundled `spuff` binary, run as a subprocess against a temporary config dir. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REPO, runSpuff, SPUFF_BIN } from "../helpers/cli.ts";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-e2e-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const spuff = (args: string[], extra: { env?: Record<string, string>; input?: string } = {}) =>
  runSpuff(args, { configDir: dir, ...extra });
const configFile = () => path.join(dir, "config.yaml");

describe("spuff binary", () => {
  it("prints its version and help with examples", async () => {
    const v = await spuff(["--version"]);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const h = await spuff(["--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("Examples:");
    expect(h.stdout).toContain("SPUFF_LOG");
  });

  it("init --defaults writes a 0600 config for the local provider", async () => {
    const r = await spuff(["init", "--defaults"]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(configFile(), "utf8")).toContain("provider: local");
    expect(fs.statSync(configFile()).mode & 0o777).toBe(0o600);
    const again = await spuff(["init", "--defaults"]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain("--force");
  });

  it("config set then get round-trips; a bad value fails and leaves the file unchanged", async () => {
    expect((await spuff(["config", "set", "region", "fra1"])).code).toBe(0);
    const get = await spuff(["config", "get", "region"]);
    expect(get).toMatchObject({ code: 0, stdout: "fra1\n" });
    const before = fs.readFileSync(configFile());
    const bad = await spuff(["config", "set", "idle_timeout", "banana"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain(configFile());
    expect(bad.stderr).toMatch(/idle_timeout: "banana".*duration such as 90s/);
    expect(fs.readFileSync(configFile()).equals(before)).toBe(true);
    const unknown = await spuff(["config", "set", "regoin", "x"]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain("Known keys:");
  });

  it("config edit validates the edited file before replacing the original", async () => {
    await spuff(["config", "set", "region", "fra1"]);
    const before = fs.readFileSync(configFile());
    const editor = path.join(dir, "editor.sh");
    // The "editor" rewrites the file it is given with the text in $NEW_TEXT.
    fs.writeFileSync(editor, '#!/bin/sh\nprintf "%s\\n" "$NEW_TEXT" > "$1"\n', { mode: 0o755 });
    const bad = await spuff(["config", "edit"], { env: { EDITOR: editor, NEW_TEXT: "idle_timeout: soon" } });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("unchanged");
    expect(fs.readFileSync(configFile()).equals(before)).toBe(true);
    const good = await spuff(["config", "edit"], { env: { EDITOR: editor, NEW_TEXT: "region: ams3" } });
    expect(good.code).toBe(0);
    expect((await spuff(["config", "get", "region"])).stdout).toBe("ams3\n");
    expect(fs.statSync(configFile()).mode & 0o777).toBe(0o600);
  });

  it("reads a token from stdin, never echoes it, and masks it in config show", async () => {
    const secret = "dop_v1_0123456789abcdef0123456789abcdef";
    const set = await spuff(["config", "set", "digitalocean.token", "-"], { input: `${secret}\n` });
    expect(set.code).toBe(0);
    const show = await spuff(["config", "show", "--json"]);
    expect(show.code).toBe(0);
    expect(show.stdout + show.stderr + set.stdout + set.stderr).not.toContain(secret);
    expect(JSON.parse(show.stdout).settings.digitalocean.token).toMatch(/from config file/);
    const reveal = await spuff(["config", "get", "digitalocean.token", "--reveal"]);
    expect(reveal.stdout.trim()).toBe(secret);
    // A secret on the command line (shell history, ps) is refused with how to pass it instead,
    // and the file is not touched.
    const reaper = "dop_v1_reaper_fedcba9876543210fedcba98";
    const before = fs.readFileSync(configFile());
    for (const key of ["digitalocean.reaper_token", "hetzner.token"]) {
      const argv = await spuff(["config", "set", key, reaper]);
      expect(argv.code, argv.stderr).toBe(2);
      expect(argv.stderr).toContain(`spuff config set ${key} - < token.txt`);
      expect(argv.stdout + argv.stderr).not.toContain(reaper);
    }
    expect(fs.readFileSync(configFile()).equals(before)).toBe(true);
    // The reaper token is a secret the same way.
    const setReaper = await spuff(["config", "set", "digitalocean.reaper_token", "-"], { input: reaper });
    expect(setReaper.code, setReaper.stderr).toBe(0);
    const shown = await spuff(["config", "show", "--json"]);
    expect(setReaper.stdout + setReaper.stderr + shown.stdout).not.toContain(reaper);
    expect(JSON.parse(shown.stdout).settings.reaper_token).toMatch(/from config file/);
    // A token in a world-readable file is refused with the chmod to run.
    fs.chmodSync(configFile(), 0o644);
    const refused = await spuff(["config", "show"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`chmod 600 ${configFile()}`);
  });

  it("redacts an env token from debug logs", async () => {
    const secret = "envtoken-abcdef-123456";
    const r = await spuff(["config", "show", "-v"], { env: { DIGITALOCEAN_TOKEN: secret } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("DEBUG");
    expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it("list --json on empty state prints [] and status fails with not found", async () => {
    const list = await spuff(["list", "--json"]);
    expect(list).toMatchObject({ code: 0, stdout: "[]\n" });
    const status = await spuff(["status", "nope", "--json"]);
    expect(status.code).toBe(5);
    expect(status.stdout).toBe("");
    expect(JSON.parse(status.stderr).error).toMatchObject({ code: "not_found", exit_code: 5 });
  });

  it("ssh-config install adds the Include once and refuses to change files without --yes when piped", async () => {
    const refused = await spuff(["ssh-config", "install"]);
    expect(refused.code).toBe(2);
    expect(fs.existsSync(path.join(dir, ".ssh", "config"))).toBe(false);
    expect((await spuff(["ssh-config", "install", "--yes"])).code).toBe(0);
    const text = fs.readFileSync(path.join(dir, ".ssh", "config"), "utf8");
    expect(text).toContain(`Include ${path.join(dir, "ssh_config")}`);
    const again = await spuff(["ssh-config", "install", "--yes"]);
    expect(again.stderr).toContain("nothing to do");
    expect(fs.readFileSync(path.join(dir, ".ssh", "config"), "utf8")).toBe(text);
    expect(fs.readFileSync(path.join(dir, "ssh_config"), "utf8")).toContain("Generated by spuff");
  });

  it("exits quietly when the reader of stdout goes away (spuff --help | head -c 1)", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, [SPUFF_BIN, "--help"], {
      env: { PATH: process.env.PATH ?? "", HOME: dir, SPUFF_CONFIG_DIR: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy(); // the reader closes before spuff writes
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("reports usage errors with exit code 2, as JSON with --json", async () => {
    const r = await spuff(["frobnicate", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error.code).toBe("usage");
  });

  it("list --live and the Hetzner client bundle load no node:crypto (~5 ms of every run)", async () => {
    const probe = path.join(dir, "probe.cjs");
    const client = path.join(REPO, "dist/cli/providers/hetzner/index.cjs");
    fs.writeFileSync(
      probe,
      [
        "process.on('exit', () => {",
        `  require(${JSON.stringify(client)});`,
        "  const crypto = process.moduleLoadList.filter((m) => /^NativeModule (node:)?crypto$/.test(m));",
        "  require('fs').writeSync(2, 'crypto=' + JSON.stringify(crypto) + '\\n');",
        "});",
      ].join("\n"),
    );
    const r = await spuff(["list", "--live", "--json"], { env: { NODE_OPTIONS: `--require ${probe}` } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("crypto=[]");
  });

  it("refuses a corrupt state.db without deleting it", async () => {
    fs.writeFileSync(path.join(dir, "state.db"), "garbage".repeat(1000));
    const r = await spuff(["list"]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/moved aside, unchanged, to .*state\.db\.corrupt-/);
    const moved = fs.readdirSync(dir).filter((f) => f.startsWith("state.db.corrupt-"));
    expect(moved).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, moved[0] as string), "utf8")).toBe("garbage".repeat(1000));
  });
});
