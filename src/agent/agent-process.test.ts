/** Contract tests against the real bundle (dist/agent/spuff-agent.cjs) running as a process. */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useRunningAgent } from "./testing/agent-process.ts";

const ctx = useRunningAgent();

async function call(p: string, init: RequestInit & { auth?: boolean } = {}) {
  const headers = {
    ...(init.auth === false ? {} : { "x-spuff-token": ctx.f.token }),
    ...(init.headers ?? {}),
  };
  const res = await fetch(`http://127.0.0.1:${ctx.agent.port}${p}`, { ...init, headers });
  // biome-ignore lint/suspicious/noExplicitAny: contract tests probe arbitrary JSON shapes field by field
  return { status: res.status, type: res.headers.get("content-type"), json: (await res.json()) as any };
}

const runBundle = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [ctx.f.bundle, ...args], { env, encoding: "utf8", timeout: 10_000 });

describe("spuff-agent process: HTTP contract", () => {
  it("GET /health is public and exact", async () => {
    expect(await call("/health", { auth: false })).toEqual({
      status: 200,
      type: "application/json",
      json: { status: "ok", service: "spuff-agent", version: expect.stringMatching(/^\d+\.\d+\.\d+/) },
    });
  });

  it("401 JSON for a missing or wrong token on every protected route", async () => {
    for (const p of ["/status", "/metrics", "/processes", "/idle", "/cloud-init", "/logs", "/missing"]) {
      expect(await call(p, { auth: false })).toMatchObject({
        status: 401,
        json: { error: expect.any(String) },
      });
      const wrong = await call(p, {
        auth: false,
        headers: { "x-spuff-token": `${ctx.f.token.slice(0, -1)}?` },
      });
      expect(wrong).toEqual({
        status: 401,
        type: "application/json",
        json: { error: "Invalid authentication token" },
      });
    }
    expect((await call("/exec", { auth: false, method: "POST", body: '{"command":"id"}' })).status).toBe(401);
  });

  it("GET /status", async () => {
    const r = await call("/status");
    expect(r.json).toEqual({
      uptime_seconds: expect.any(Number),
      idle_seconds: expect.any(Number),
      hostname: expect.any(String),
      cloud_init_done: false,
      bootstrap_status: "running",
      bootstrap_ready: false,
      agent_version: expect.any(String),
    });
  });

  it("GET /metrics and /processes", async () => {
    const m = (await call("/metrics")).json;
    expect(Object.keys(m).sort()).toEqual(
      "cpu_usage_percent disk_total_bytes disk_used_bytes load_average memory_total_bytes memory_used_bytes timestamp".split(
        " ",
      ),
    );
    expect(m.memory_total_bytes).toBeGreaterThan(m.memory_used_bytes);
    expect(m.disk_total_bytes).toBeGreaterThan(0);
    expect(m.load_average).toHaveLength(3);
    expect(Number.isNaN(Date.parse(m.timestamp))).toBe(false);
    const ps = (await call("/processes")).json;
    expect(ps.length).toBeGreaterThan(0);
    expect(ps.length).toBeLessThanOrEqual(10);
    expect(Object.keys(ps[0]).sort()).toEqual(["cpu_percent", "memory_bytes", "name", "pid"]);
    // The top ten by CPU, then memory: on a busy host the agent itself need not be among them.
    type Row = { pid: number; cpu_percent: number; memory_bytes: number };
    for (const [a, b] of (ps as Row[]).slice(1).map((p, i) => [ps[i] as Row, p] as const)) {
      expect(
        a.cpu_percent > b.cpu_percent ||
          (a.cpu_percent === b.cpu_percent && a.memory_bytes >= b.memory_bytes),
      ).toBe(true);
    }
    for (const p of ps as Row[]) expect(Number.isInteger(p.pid) && p.pid > 0).toBe(true);
  });

  it("POST /exec runs as the dev user, reports output, times out with 408", async () => {
    const r = await call("/exec", {
      method: "POST",
      body: JSON.stringify({ command: "id -un; echo e >&2; exit 4" }),
    });
    // As root the agent drops to SPUFF_DEV_USER=nobody; otherwise it runs as the current user.
    const user = process.getuid?.() === 0 ? "nobody" : os.userInfo().username;
    expect(r.json).toEqual({
      exit_code: 4,
      stdout: `${user}\n`,
      stderr: "e\n",
      duration_ms: expect.any(Number),
    });
    const t = await call("/exec", {
      method: "POST",
      body: JSON.stringify({ command: "sleep 20", timeout_secs: 0.3 }),
    });
    expect(t.status).toBe(408);
    expect(t.json.error).toContain("timed out");
    expect((await call("/exec", { method: "POST", body: "{" })).json).toEqual({ error: "invalid JSON body" });
  });

  it("POST /heartbeat, GET /idle, GET /cloud-init, GET /logs", async () => {
    const hb = (await call("/heartbeat", { method: "POST" })).json;
    expect(hb).toEqual({ status: "ok", timestamp: expect.any(String) });
    const idle = (await call("/idle")).json;
    expect(idle.idle_timeout_seconds).toBe(3600);
    expect(idle.sources.heartbeat.last_activity).toBe(hb.timestamp);
    expect(idle.deadline_reason).toBe("idle_timeout");
    expect(Array.isArray(idle.decisions)).toBe(true);
    expect((await call("/cloud-init")).json).toEqual({
      status: "not started",
      done: false,
      errors: [],
      boot_finished: null,
    });
    writeFileSync(path.join(ctx.f.dir, "cloud-init", "result.json"), '{"v1":{"errors":["boom"]}}');
    expect((await call("/cloud-init")).json).toMatchObject({ status: "error", done: true, errors: ["boom"] });
    expect((await call("/status")).json.cloud_init_done).toBe(true);
    expect((await call("/logs?lines=2")).json).toEqual({
      lines: ["ci-1", "ci-2"],
      offset: 10,
      partial: false,
    });
    expect((await call("/logs?offset=5")).json).toMatchObject({ lines: ["ci-2"], offset: 10, reset: false });
    expect((await call("/logs?offset=-1")).status).toBe(400);
    expect((await call(`/logs?file=${ctx.f.logRoot}/syslog&lines=1`)).json).toMatchObject({
      lines: ["three"],
    });
    expect((await call(`/logs?file=${ctx.f.logRoot}/escape.log`)).status).toBe(403);
    expect((await call(`/logs?offset=0&file=${ctx.f.logRoot}/escape.log`)).status).toBe(403);
    expect((await call(`/logs?file=${ctx.f.logRoot}/nope`)).status).toBe(404);
  });

  it("404 / 405 / 413 are JSON", async () => {
    expect(await call("/nope")).toEqual({
      status: 404,
      type: "application/json",
      json: { error: "not found" },
    });
    expect((await call("/metrics", { method: "POST", body: "{}" })).status).toBe(405);
    const big = await call("/exec", { method: "POST", body: "x".repeat(65 * 1024) });
    expect(big).toMatchObject({ status: 413, json: { error: "request body too large" } });
  });
});

describe("spuff-agent process: CLI", () => {
  it("--version", () => {
    const r = runBundle(["--version"], ctx.f.env);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^spuff-agent \d+\.\d+\.\d+/);
  });

  it("--check-config passes on good files and fails on a broken agent.json", () => {
    expect(runBundle(["--check-config"], ctx.f.env)).toMatchObject({
      status: 0,
      stdout: expect.stringContaining("config ok"),
    });
    const bad = path.join(ctx.f.dir, "bad.json");
    writeFileSync(bad, '{"teardown":"explode"}');
    const r = runBundle(["--check-config"], { ...ctx.f.env, SPUFF_AGENT_SETTINGS_FILE: bad });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("teardown");
  });

  it("refuses to start without a token", () => {
    const r = runBundle([], { ...ctx.f.env, SPUFF_AGENT_ENV_FILE: path.join(ctx.f.dir, "missing.env") });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no agent token.*\n.*refusing to start/);
  });
});
