import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.ts";
import { defaultSettings } from "./config.ts";
import { IdleTracker } from "./idle.ts";
import { createSupervisor } from "./supervisor.ts";
import type { TeardownExecutor } from "./teardown-executor.ts";
import { probeInDir } from "./testing/probe-dir.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup(over: { provider?: string; teardown?: "destroy" | "poweroff"; deleteFails?: boolean } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "spuff-sup-"));
  dirs.push(dir);
  const clock = new FakeClock();
  const calls: string[] = [];
  const executor: TeardownExecutor = {
    wall: async (m) => void calls.push(`wall:${m.slice(0, 40)}`),
    recordReason: async (r) => void calls.push(`record:${r.reason}:${r.action}`),
    poweroff: async () => void calls.push("poweroff"),
    deleteViaApi: async () => {
      calls.push("delete");
      if (over.deleteFails) throw new Error("HTTP 500");
    },
  };
  const settings = {
    ...defaultSettings(clock.now()),
    idle_timeout_seconds: 600,
    warn_minutes: 2,
    provider: over.provider ?? "local",
    teardown: over.teardown ?? "destroy",
  };
  const tracker = new IdleTracker(clock.now());
  const cpu = { pct: 0 };
  const sup = createSupervisor({
    clock,
    settings,
    tracker,
    executor,
    probe: probeInDir(dir),
    reaperTokenAvailable: async () => true,
    cpuPercent: async () => cpu.pct,
    cpuWindowMs: 120_000,
  });
  return { dir, clock, calls, sup, tracker, cpu };
}

describe("supervisor", () => {
  it("warns once, then powers off at the idle deadline and logs both", async () => {
    const { clock, calls, sup } = setup();
    for (let i = 0; i < 25; i++) {
      await sup.tick();
      await clock.advance(30_000);
    }
    expect(calls.filter((c) => c.startsWith("wall")).length).toBe(1);
    expect(calls.slice(-2)).toEqual(["record:idle_timeout:poweroff", "poweroff"]);
    expect(sup.state().decisions.map((d) => d.event)).toEqual(["warn", "act"]);
  });

  it("terminal input after the warning cancels it; a keepalive epoch in the future keeps the machine", async () => {
    const { dir, clock, calls, sup, tracker } = setup();
    await clock.advance(510_000);
    await sup.tick();
    expect(calls).toHaveLength(1);
    const pts = path.join(dir, "pts", "0");
    writeFileSync(pts, "");
    utimesSync(pts, clock.now() / 1000, 0); // atime = input now; mtime (output) is ignored
    await sup.tick();
    expect(sup.state().decisions.at(-1)?.event).toBe("cancelled");
    expect(tracker.snapshot(clock.now()).sources.ssh_input.detail).toBe("pts/0");
    writeFileSync(path.join(dir, "keepalive"), String(clock.now() / 1000 + 3600));
    for (let i = 0; i < 40; i++) {
      await clock.advance(30_000);
      await sup.tick();
    }
    expect(calls).toHaveLength(1);
  });

  it("established SSH connections and sustained CPU count as activity", async () => {
    const { dir, clock, sup, tracker, cpu } = setup();
    const outputOnly = path.join(dir, "pts", "1");
    writeFileSync(outputOnly, "");
    const typedAt = clock.now() - 3_600_000;
    utimesSync(outputOnly, typedAt / 1000, clock.now() / 1000); // fresh output, input an hour ago
    await sup.tick();
    expect(tracker.snapshot(clock.now()).sources.ssh_input.last_activity).toBe(typedAt);
    writeFileSync(path.join(dir, "tcp"), "header\n 1: 0100007F:0016 0100007F:D000 01 0 0 0 0 0 1 1\n");
    await clock.advance(100_000);
    await sup.tick();
    expect(tracker.snapshot(clock.now()).sources.ssh_connection.last_activity).toBe(clock.now());
    writeFileSync(path.join(dir, "tcp"), "header\n");
    cpu.pct = 95;
    for (let i = 0; i < 5; i++) {
      await clock.advance(30_000);
      await sup.tick();
    }
    expect(tracker.snapshot(clock.now()).sources.cpu.last_activity).toBe(clock.now());
  });

  it("destroy on hetzner deletes via the API and falls back to poweroff when that fails", async () => {
    const ok = setup({ provider: "hetzner" });
    await ok.clock.advance(600_000);
    await ok.sup.tick();
    expect(ok.calls).toEqual(["record:idle_timeout:delete-via-api", "delete"]);
    const bad = setup({ provider: "hetzner", deleteFails: true });
    await bad.clock.advance(600_000);
    await bad.sup.tick();
    expect(bad.calls).toEqual(["record:idle_timeout:delete-via-api", "delete", "poweroff"]);
    expect(bad.sup.state().decisions.at(-1)?.detail).toContain("API delete failed");
  });
});
