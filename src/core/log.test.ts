import { describe, expect, it } from "vitest";
import { createTestIO } from "./io.ts";
import { createLogger, parseLogLevel, redact } from "./log.ts";

describe("logger", () => {
  it("filters by level and writes to stderr only", () => {
    const io = createTestIO();
    const log = createLogger(io.err, "info", () => 0);
    log.debug("hidden");
    log.info("shown", { a: 1 });
    expect(io.stdout()).toBe("");
    expect(io.stderr()).toContain('INFO  shown {"a":1}');
    expect(io.stderr()).not.toContain("hidden");
  });

  it("never prints a registered secret or a bearer token", () => {
    const io = createTestIO();
    const log = createLogger(io.err, "debug");
    log.addSecret("dop_v1_supersecretvalue");
    log.debug("request", { auth: "dop_v1_supersecretvalue", url: "https://x/?token=abc123" });
    log.debug("Authorization: Bearer sk-unregistered-value");
    expect(io.stderr()).not.toContain("supersecret");
    expect(io.stderr()).not.toContain("abc123");
    expect(io.stderr()).not.toContain("sk-unregistered-value");
  });

  it("masks a secret also as it appears JSON-escaped in logged fields", () => {
    const io = createTestIO();
    const log = createLogger(io.err, "debug");
    const secret = 'pa"ss\\wörd\n42';
    log.addSecret(secret);
    log.debug("env", { value: secret, text: `x ${secret} y` });
    expect(io.stderr()).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(io.stderr()).not.toContain("ss\\\\w");
    expect(io.stderr()).toContain("x *** y");
  });

  it("redacts x-spuff-token headers", () => {
    expect(redact('{"x-spuff-token":"t0ps3cret"}', [])).not.toContain("t0ps3cret");
  });

  it("parses SPUFF_LOG values", () => {
    expect(parseLogLevel("DEBUG")).toBe("debug");
    expect(parseLogLevel("warn")).toBe("warn");
    expect(parseLogLevel("loud")).toBeUndefined();
  });
});
