import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
