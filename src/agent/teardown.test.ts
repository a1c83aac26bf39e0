import { describe, expect, it } from "vitest";
import { type AgentSettings, defaultSettings } from "./config.ts";
import { chooseAction, decideTeardown } from "./teardown.ts";

const T0 = 1_700_000_000_000;
const MIN = 60_000;

function settings(over: Partial<AgentSettings> = {}): AgentSettings {
  return { ...defaultSettings(T0), idle_timeout_seconds: 3600, max_lifetime_seconds: 8 * 3600, ...over };
}

describe("decideTeardown", () => {
  const base = { settings: settings(), lastActivity: T0, reaperTokenAvailable: false, warnedDeadline: null };

  it("does nothing before the warning window, warns once inside it, acts at the deadline", () => {
    expect(decideTeardown({ ...base, now: T0 + 54 * MIN })).toEqual({
      kind: "none",
      deadline: T0 + 60 * MIN,
      reason: "idle_timeout",
    });
    const warn = decideTeardown({ ...base, now: T0 + 56 * MIN });
    expect(warn.kind).toBe("warn");
    expect(warn.kind === "warn" && warn.message).toContain("4 minute(s)");
    expect(decideTeardown({ ...base, now: T0 + 57 * MIN, warnedDeadline: T0 + 60 * MIN }).kind).toBe("none");
    const act = decideTeardown({ ...base, now: T0 + 60 * MIN, warnedDeadline: T0 + 60 * MIN });
    expect(act).toMatchObject({ kind: "act", reason: "idle_timeout", action: "poweroff" });
  });

  it("activity moves the idle deadline; the lifetime deadline does not move", () => {
    const d = decideTeardown({ ...base, now: T0 + 61 * MIN, lastActivity: T0 + 30 * MIN });
    expect(d).toEqual({ kind: "none", deadline: T0 + 90 * MIN, reason: "idle_timeout" });
    const life = decideTeardown({ ...base, now: T0 + 8 * 60 * MIN, lastActivity: T0 + 8 * 60 * MIN - MIN });
    expect(life).toMatchObject({ kind: "act", reason: "max_lifetime" });
  });

  it("zero disables a limit; both zero never tears down", () => {
    const off = settings({ idle_timeout_seconds: 0, max_lifetime_seconds: 0 });
    expect(decideTeardown({ ...base, settings: off, now: T0 + 1e9 }).kind).toBe("none");
    const lifeOnly = settings({ idle_timeout_seconds: 0, max_lifetime_seconds: 60 });
    expect(decideTeardown({ ...base, settings: lifeOnly, now: T0 + MIN })).toMatchObject({ kind: "act" });
  });
});

describe("chooseAction", () => {
  it("maps provider, teardown mode and reaper token to an action", () => {
    expect(chooseAction(settings({ provider: "digitalocean", teardown: "destroy" }), true).action).toBe(
      "delete-via-api",
    );
    expect(chooseAction(settings({ provider: "hetzner", teardown: "destroy" }), true).action).toBe(
      "delete-via-api",
    );
    const noToken = chooseAction(settings({ provider: "hetzner", teardown: "destroy" }), false);
    expect(noToken.action).toBe("poweroff");
    expect(noToken.note).toContain("still billed");
    expect(chooseAction(settings({ provider: "aws", teardown: "destroy" }), true).action).toBe("poweroff");
    expect(chooseAction(settings({ provider: "local", teardown: "destroy" }), true).action).toBe("poweroff");
    expect(chooseAction(settings({ provider: "digitalocean", teardown: "poweroff" }), true).action).toBe(
      "poweroff",
    );
  });

  it("a provider name that is not in the catalog (inherited property names too) never deletes via the API", () => {
    for (const provider of ["__proto__", "constructor", "toString", "DigitalOcean", ""]) {
      expect(chooseAction(settings({ provider, teardown: "destroy" }), true).action).toBe("poweroff");
    }
  });
});
