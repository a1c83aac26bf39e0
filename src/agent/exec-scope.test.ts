import { describe, expect, it } from "vitest";
import { createExec } from "./exec.ts";
import { detectScopes, type ExecScopes, systemdScopes } from "./exec-scope.ts";
import { testEnv } from "./testing/exec-env.ts";

describe("exec scopes", () => {
  it("wraps the command in systemd-run --scope, dropping to the user there", () => {
    const argv = systemdScopes().wrap("spuff-exec-1", ["bash", "-lc", "id"], {
      name: "dev",
      uid: 1000,
      gid: 1000,
      home: "/home/dev",
    });
    expect(argv).toEqual([
      "systemd-run",
      "--scope",
      "--quiet",
      "--collect",
      "--unit=spuff-exec-1",
      "--description=spuff agent /exec",
      "--uid=1000",
      "--gid=1000",
      "--",
      "bash",
      "-lc",
      "id",
    ]);
  });

  it("says why scopes are unavailable (the agent then logs it and uses the process group)", () => {
    expect(detectScopes(false)).toBe("the agent is not root");
    expect(detectScopes(true, "/nonexistent/systemd")).toMatch(/not the running init/);
  });

  it("runs through the scope wrapper and kills the unit on timeout", async () => {
    const killed: string[] = [];
    const scopes: ExecScopes = {
      newUnit: () => "unit-1",
      wrap: (unit, argv) => ["env", `SCOPE=${unit}`, ...argv],
      kill: async (unit) => {
        killed.push(unit);
      },
    };
    const exec = createExec({ scopes, env: testEnv() });
    expect((await exec("echo $SCOPE", 10_000)).stdout).toBe("unit-1\n");
    expect(killed).toEqual([]);
    const r = await exec("sleep 30", 500);
    expect(r.timed_out).toBe(true);
    expect(killed).toEqual(["unit-1"]);
  });
});
