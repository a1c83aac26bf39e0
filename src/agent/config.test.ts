import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AgentConfigError, loadSettings, loadToken, parseSettings } from "./config.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "spuff-agentcfg-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TOKEN = "0123456789abcdef0123";

describe("loadToken", () => {
  it("prefers the environment, else reads the SPUFF_AGENT_TOKEN= line (quotes stripped)", () => {
    const f = path.join(dir, "agent.env");
    writeFileSync(f, `# comment\nOTHER=1\nSPUFF_AGENT_TOKEN="${TOKEN}"\n`);
    expect(loadToken({}, f)).toBe(TOKEN);
    expect(loadToken({ SPUFF_AGENT_TOKEN: `${TOKEN}zz` }, f)).toBe(`${TOKEN}zz`);
  });

  it("refuses a missing file, a file without the line, and a short token", () => {
    expect(() => loadToken({}, path.join(dir, "missing"))).toThrow(/no agent token/);
    const f = path.join(dir, "empty.env");
    writeFileSync(f, "OTHER=1\n");
    expect(() => loadToken({}, f)).toThrow(AgentConfigError);
    expect(() => loadToken({ SPUFF_AGENT_TOKEN: "short" }, f)).toThrow(/too short/);
  });
});

describe("settings", () => {
  it("parses the cloud-init contract (ISO created_at) and defaults the optional fields", () => {
    const s = parseSettings(
      JSON.stringify({
        idle_timeout_seconds: 1800,
        max_lifetime_seconds: 28800,
        created_at: "2026-01-01T00:00:00Z",
        provider: "hetzner",
        teardown: "destroy",
      }),
      0,
    );
    expect(s).toMatchObject({
      idle_timeout_seconds: 1800,
      provider: "hetzner",
      teardown: "destroy",
      warn_minutes: 5,
    });
    expect(s.created_at).toBe(Date.parse("2026-01-01T00:00:00Z"));
    expect(s.spot).toBeUndefined();
    expect(parseSettings('{"provider":"aws","spot":true}', 0)).toMatchObject({ provider: "aws", spot: true });
    expect(parseSettings('{"spot":false}', 0).spot).toBeUndefined();
  });

  it("rejects bad values; a missing file means defaults unless required", () => {
    expect(() => parseSettings("{", 0)).toThrow(/not valid JSON/);
    expect(() => parseSettings("[]", 0)).toThrow(/object/);
    expect(() => parseSettings('{"idle_timeout_seconds":-1}', 0)).toThrow(/idle_timeout_seconds/);
    expect(() => parseSettings('{"teardown":"explode"}', 0)).toThrow(/teardown/);
    expect(() => parseSettings('{"created_at":"yesterday"}', 0)).toThrow(/created_at/);
    expect(() => parseSettings('{"spot":"yes"}', 0)).toThrow(/spot must be true or false/);
    expect(loadSettings(path.join(dir, "none.json"), 5).idle_timeout_seconds).toBe(0);
    expect(() => loadSettings(path.join(dir, "none.json"), 5, true)).toThrow(/cannot read/);
  });
});

describe("workspace_on_volume", () => {
  const uid = process.getuid?.() ?? 0;
  /** agent.json in a directory of its own, both with the given modes. */
  function file(text: string, mode = 0o644, dirMode = 0o755) {
    const d = mkdtempSync(path.join(dir, "etc-"));
    const f = path.join(d, "agent.json");
    writeFileSync(f, text);
    chmodSync(f, mode);
    chmodSync(d, dirMode);
    return f;
  }
  const on = '{"provider":"digitalocean","idle_timeout_seconds":60,"workspace_on_volume":true}';

  it("is true or false, nothing else", () => {
    expect(parseSettings(on, 0).workspace_on_volume).toBe(true);
    expect(parseSettings('{"workspace_on_volume":false}', 0).workspace_on_volume).toBeUndefined();
    for (const bad of ['"yes"', '"true"', "1", "null", "{}", "[true]"])
      expect(() => parseSettings(`{"workspace_on_volume":${bad}}`, 0)).toThrow(
        /workspace_on_volume must be true or false/,
      );
  });

  it("is believed from a file only the agent's user may write, in a directory only it may write", () => {
    const warned: string[] = [];
    const warn = (l: string) => void warned.push(l);
    expect(loadSettings(file(on), 0, true, { uid, warn }).workspace_on_volume).toBe(true);
    expect(loadSettings(file(on, 0o600, 0o700), 0, true, { uid, warn }).workspace_on_volume).toBe(true);
    expect(warned).toEqual([]);
    // What a guest process could write: a file of another user (the dev user's while the agent
    // is root), one anyone may write, or one in a directory others may write.
    const other = loadSettings(file(on), 0, true, { uid: uid + 1, warn });
    const world = loadSettings(file(on, 0o666), 0, true, { uid, warn });
    const group = loadSettings(file(on, 0o664), 0, true, { uid, warn });
    const openDir = loadSettings(file(on, 0o644, 0o777), 0, true, { uid, warn });
    for (const s of [other, world, group, openDir]) {
      expect(s.workspace_on_volume).toBeUndefined();
      // The rest still applies: only the lowering of the guard is refused.
      expect(s).toMatchObject({ provider: "digitalocean", idle_timeout_seconds: 60 });
    }
    expect(warned).toEqual([
      expect.stringMatching(/workspace_on_volume ignored \(it belongs to uid \d+, not the agent's \d+\)/),
      expect.stringContaining("(group or others may write it)"),
      expect.stringContaining("(group or others may write it)"),
      expect.stringContaining("(group or others may write its directory)"),
    ]);
  });

  it("is never believed through a symbolic link", () => {
    const real = file(on);
    const link = path.join(mkdtempSync(path.join(dir, "etc-")), "agent.json");
    symlinkSync(real, link);
    const warned: string[] = [];
    const s = loadSettings(link, 0, true, { uid, warn: (l) => void warned.push(l) });
    expect(s.workspace_on_volume).toBeUndefined();
    expect(s.idle_timeout_seconds).toBe(60);
    expect(warned).toEqual([expect.stringContaining("(it is a symbolic link)")]);
  });
});
