import { describe, expect, it } from "vitest";
import { readEnvConfig } from "./env-config.ts";

describe("agent environment knobs", () => {
  it("defaults to production paths, 30 s ticks and a 30 % CPU activity threshold", () => {
    const c = readEnvConfig({});
    expect(c).toMatchObject({ port: 7575, tickSeconds: 30, cpuThreshold: 30, logRoot: "/var/log" });
  });
  it("takes tick and CPU threshold from the env file's variables, ignoring nonsense", () => {
    expect(readEnvConfig({ SPUFF_AGENT_TICK_SECONDS: "1", SPUFF_AGENT_CPU_THRESHOLD: "101" })).toMatchObject({
      tickSeconds: 1,
      cpuThreshold: 101,
    });
    expect(readEnvConfig({ SPUFF_AGENT_TICK_SECONDS: "0", SPUFF_AGENT_CPU_THRESHOLD: "-5" })).toMatchObject({
      tickSeconds: 30,
      cpuThreshold: 30,
    });
  });
  it("caps concurrent execs at 8 by default, SPUFF_AGENT_MAX_EXECS otherwise", () => {
    expect(readEnvConfig({}).maxExecs).toBe(8);
    expect(readEnvConfig({ SPUFF_AGENT_MAX_EXECS: "2" }).maxExecs).toBe(2);
    expect(readEnvConfig({ SPUFF_AGENT_MAX_EXECS: "0" }).maxExecs).toBe(8);
  });
});
