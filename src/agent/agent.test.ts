import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.ts";
import { createAgent } from "./agent.ts";
import { defaultSettings } from "./config.ts";
import type { ExecFn } from "./exec.ts";
import { IdleTracker } from "./idle.ts";
import type { MetricsCollector } from "./metrics.ts";

const TOKEN = "test-token-0123456789";
const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), "spuff-agent-")));
mkdirSync(path.join(dir, "log"));
mkdirSync(path.join(dir, "cloud-init"));
writeFileSync(path.join(dir, "log", "cloud-init-output.log"), "a\nb\nc\n");
writeFileSync(path.join(dir, "bootstrap.status"), "ready\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
const execCalls: [string, number][] = [];
const exec: ExecFn = async (command, timeoutMs) => {
  execCalls.push([command, timeoutMs]);
  return { exit_code: 0, stdout: "ok\n", stderr: "", duration_ms: 5, timed_out: command === "slow" };
};
const metrics: MetricsCollector = {
  cpuPercent: async () => 12.5,
  collect: async (now) => ({
    cpu_usage_percent: 12.5,
    memory_used_bytes: 1,
    memory_total_bytes: 2,
    disk_used_bytes: 3,
    disk_total_bytes: 4,
    load_average: [0.1, 0.2, 0.3],
    timestamp: new Date(now).toISOString(),
  }),
};
const tracker = new IdleTracker(clock.now());
const agent = createAgent({
  token: TOKEN,
  version: "9.9.9",
  clock,
  paths: {
    bootstrapStatus: path.join(dir, "bootstrap.status"),
    cloudInitDir: path.join(dir, "cloud-init"),
    logRoot: path.join(dir, "log"),
  },
  exec,
  metrics,
  processes: async () => [{ pid: 1, name: "init", cpu_percent: 0, memory_bytes: 0 }],
  ports: async () => [{ port: 8123, address: "::", pid: 42, command: 'py"\u001b[2J' }],
  tracker,
  settings: { ...defaultSettings(clock.now()), idle_timeout_seconds: 600 },
  startedAt: clock.now(),
  system: { hostname: () => "spuff-test", uptimeSeconds: () => 3600.7 },
});

const call = (p: string, init: RequestInit & { auth?: boolean } = {}) =>
  agent.fetch(
    new Request(`http://agent${p}`, {
      ...init,
      headers: { ...(init.auth === false ? {} : { "x-spuff-token": TOKEN }), ...(init.headers ?? {}) },
    }),
  );
const body = async (r: Response) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> });

describe("createAgent().fetch", () => {
  it("/health is public", async () => {
    expect(await body(await call("/health", { auth: false }))).toEqual({
      status: 200,
      json: { status: "ok", service: "spuff-agent", version: "9.9.9" },
    });
  });

  it("every other route needs the token; wrong and missing tokens get 401 JSON", async () => {
    for (const p of ["/status", "/metrics", "/idle", "/ports", "/nope"]) {
      expect(await body(await call(p, { auth: false }))).toEqual({
        status: 401,
        json: { error: "Missing X-Spuff-Token header" },
      });
      const wrong = await call(p, { auth: false, headers: { "x-spuff-token": `${TOKEN}x` } });
      expect(wrong.status).toBe(401);
    }
  });

  it("/ports answers the lister's ports as one JSON object, names escaped by JSON", async () => {
    const r = await call("/ports");
    const text = await r.text();
    expect(text).not.toContain("\u001b"); // the raw ESC byte never reaches the wire
    expect(JSON.parse(text)).toEqual({
      ports: [{ port: 8123, address: "::", pid: 42, command: 'py"\u001b[2J' }],
    });
  });

  it("/status reports idle seconds, bootstrap and cloud-init state", async () => {
    await clock.advance(90_000);
    expect((await body(await call("/status"))).json).toEqual({
      uptime_seconds: 3600,
      idle_seconds: 90,
      hostname: "spuff-test",
      cloud_init_done: false,
      bootstrap_status: "ready",
      bootstrap_ready: true,
      agent_version: "9.9.9",
    });
  });

  it("/heartbeat resets idle and /idle explains the deadline", async () => {
    const hb = await body(await call("/heartbeat", { method: "POST" }));
    expect(hb.json).toEqual({ status: "ok", timestamp: new Date(clock.now()).toISOString() });
    await clock.advance(10_000);
    const idle = (await body(await call("/idle"))).json;
    expect(idle["idle_seconds"]).toBe(10);
    expect(idle["deadline_reason"]).toBe("idle_timeout");
    expect(idle["seconds_until_deadline"]).toBe(590);
    expect((idle["sources"] as Record<string, { detail: string }>)["heartbeat"]?.detail).toBe(
      "POST /heartbeat",
    );
  });

  it("/exec validates input and maps timeouts to 408", async () => {
    const ok = await body(
      await call("/exec", { method: "POST", body: '{"command":"ls -la","timeout_secs":2}' }),
    );
    expect(ok).toEqual({ status: 200, json: { exit_code: 0, stdout: "ok\n", stderr: "", duration_ms: 5 } });
    expect(execCalls.at(-1)).toEqual(["ls -la", 2000]);
    expect((await call("/exec", { method: "POST", body: '{"command":"slow"}' })).status).toBe(408);
    expect(execCalls.at(-1)).toEqual(["slow", 30_000]);
    expect(await body(await call("/exec", { method: "POST", body: "{not json" }))).toEqual({
      status: 400,
      json: { error: "invalid JSON body" },
    });
    expect((await call("/exec", { method: "POST", body: '{"command":""}' })).status).toBe(400);
    expect((await call("/exec", { method: "POST", body: '{"command":"x","timeout_secs":-1}' })).status).toBe(
      400,
    );
    expect(
      (await call("/exec", { method: "POST", body: JSON.stringify({ command: "x".repeat(70_000) }) })).status,
    ).toBe(413);
  });

  it("unknown routes 404, wrong methods 405 with Allow, handler crashes are an opaque 500", async () => {
    expect((await call("/nope")).status).toBe(404);
    const r = await call("/status", { method: "DELETE" });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("GET");
    const broken = createAgent({
      token: TOKEN,
      version: "1",
      clock,
      paths: { bootstrapStatus: "", cloudInitDir: "", logRoot: "" },
      exec,
      metrics: { ...metrics, collect: async () => Promise.reject(new Error("secret detail")) },
      processes: async () => [],
      ports: async () => [],
      tracker,
      settings: defaultSettings(0),
      startedAt: 0,
      system: { hostname: () => "h", uptimeSeconds: () => 0 },
    });
    const res = await broken.fetch(
      new Request("http://agent/metrics", { headers: { "x-spuff-token": TOKEN } }),
    );
    expect(await body(res)).toEqual({ status: 500, json: { error: "internal error" } });
  });

  it("/logs, /metrics, /processes, /cloud-init shapes", async () => {
    expect((await body(await call("/logs?lines=2"))).json).toMatchObject({ lines: ["b", "c"] });
    expect((await call(`/logs?file=${encodeURIComponent(`${dir}/log/../bootstrap.status`)}`)).status).toBe(
      403,
    );
    expect(Object.keys((await body(await call("/metrics"))).json).sort()).toEqual(
      [
        "cpu_usage_percent",
        "disk_total_bytes",
        "disk_used_bytes",
        "load_average",
        "memory_total_bytes",
        "memory_used_bytes",
        "timestamp",
      ].sort(),
    );
    expect((await call("/processes")).status).toBe(200);
    writeFileSync(path.join(dir, "cloud-init", "result.json"), '{"v1":{"datasource":"x","errors":[]}}');
    writeFileSync(
      path.join(dir, "cloud-init", "status.json"),
      '{"v1":{"modules-final":{"finished":1767225900.5}}}',
    );
    expect((await body(await call("/cloud-init"))).json).toEqual({
      status: "done",
      done: true,
      errors: [],
      boot_finished: "2026-01-01T00:05:00.500Z",
    });
  });
});
