import { describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.ts";
import { createAgent } from "./agent.ts";
import { defaultSettings } from "./config.ts";
import type { ExecFn, ExecResult } from "./exec.ts";
import { limitConcurrency } from "./exec-limit.ts";
import { IdleTracker } from "./idle.ts";

const TOKEN = "test-token-0123456789";
const done: ExecResult = { exit_code: 0, stdout: "", stderr: "", duration_ms: 1, timed_out: false };

/** A runner whose commands end only when the test says so. */
function heldRunner() {
  const pending = new Map<string, { resolve: (r: ExecResult) => void; reject: (e: Error) => void }>();
  const run: ExecFn = (command) =>
    new Promise((resolve, reject) => pending.set(command, { resolve, reject }));
  return { run, pending };
}

function agentWith(exec: ExecFn) {
  const clock = new FakeClock(0);
  const agent = createAgent({
    token: TOKEN,
    version: "t",
    clock,
    paths: { bootstrapStatus: "/nonexistent", cloudInitDir: "/nonexistent", logRoot: "/nonexistent" },
    exec,
    metrics: { cpuPercent: async () => 0, collect: async () => ({}) as never },
    processes: async () => [],
    ports: async () => [],
    tracker: new IdleTracker(0),
    settings: defaultSettings(0),
    startedAt: 0,
    system: { hostname: () => "t", uptimeSeconds: () => 0 },
  });
  return (command: string) =>
    agent.fetch(
      new Request("http://agent/exec", {
        method: "POST",
        headers: { "x-spuff-token": TOKEN, "content-type": "application/json" },
        body: JSON.stringify({ command }),
      }),
    );
}

const tick = () => new Promise((r) => setTimeout(r, 10));

describe("POST /exec concurrency cap", () => {
  it("answers 429 beyond the cap without starting the command, and frees a slot when one ends", async () => {
    const { run, pending } = heldRunner();
    const post = agentWith(limitConcurrency(run, 2));
    const a = post("a");
    const b = post("b");
    await tick();
    const c = await post("c");
    expect(c.status).toBe(429);
    expect(((await c.json()) as { error: string }).error).toMatch(/cap is 2/);
    expect([...pending.keys()]).toEqual(["a", "b"]);
    pending.get("a")!.resolve(done);
    expect((await a).status).toBe(200);
    const d = post("d");
    await tick();
    expect([...pending.keys()]).toContain("d");
    // A command that fails also gives its slot back.
    pending.get("b")!.reject(new Error("spawn failed"));
    expect((await b).status).toBe(500);
    const e = post("e");
    await tick();
    expect([...pending.keys()]).toContain("e");
    pending.get("d")!.resolve(done);
    pending.get("e")!.resolve(done);
    expect((await d).status).toBe(200);
    expect((await e).status).toBe(200);
  });
});
