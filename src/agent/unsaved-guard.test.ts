/** The supervisor with the unsaved-work guard: kept past idle, released by a clean scan or activity. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { unsavedRepo } from "../../test/helpers/unsaved-answers.ts";
import { FakeClock } from "../core/clock.ts";
import { createAgent } from "./agent.ts";
import { defaultSettings } from "./config.ts";
import { IdleTracker } from "./idle.ts";
import { idleReport } from "./idle-report.ts";
import { createSupervisor } from "./supervisor.ts";
import type { TeardownExecutor } from "./teardown-executor.ts";
import { probeInDir } from "./testing/probe-dir.ts";
import type { RepoUnsaved, UnsavedReport } from "./unsaved.ts";
import { createUnsavedGuard } from "./unsaved-guard.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const repo = (over: Partial<RepoUnsaved>): RepoUnsaved => unsavedRepo("workspace/app", over);

function setup(over: { provider?: string; maxLifetime?: number; onVolume?: boolean } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "spuff-guard-"));
  dirs.push(dir);
  const clock = new FakeClock();
  const calls: string[] = [];
  const executor: TeardownExecutor = {
    wall: async () => {},
    recordReason: async (r) => void calls.push(`record:${r.reason}:${r.action}`),
    poweroff: async () => void calls.push("poweroff"),
    deleteViaApi: async () => void calls.push("delete"),
  };
  const settings = {
    ...defaultSettings(clock.now()),
    idle_timeout_seconds: 600,
    max_lifetime_seconds: over.maxLifetime ?? 0,
    warn_minutes: 0,
    provider: over.provider ?? "local",
    teardown: "destroy" as const,
    ...(over.onVolume ? { workspace_on_volume: true } : {}),
  };
  const state = { repos: [repo({ unpushed: 1 })] as RepoUnsaved[], scans: 0, fail: false };
  const scan = async (): Promise<UnsavedReport> => {
    state.scans++;
    if (state.fail) throw new Error("git exploded");
    return {
      checked_at: new Date(clock.now()).toISOString(),
      complete: true,
      repos: state.repos,
      checked: 1,
    };
  };
  const tracker = new IdleTracker(clock.now());
  const sup = createSupervisor({
    clock,
    settings,
    tracker,
    executor,
    probe: probeInDir(dir),
    reaperTokenAvailable: async () => true,
    cpuPercent: async () => 0,
    guard: createUnsavedGuard(scan, 60_000),
  });
  return { dir, clock, calls, sup, state, settings, tracker, scan };
}

describe("unsaved-work guard", () => {
  it("keeps an idle machine with unsaved work, says why, rescans at most once a minute, lets it go once saved", async () => {
    const { clock, calls, sup, state } = setup();
    await clock.advance(600_000);
    for (let i = 0; i < 30; i++) {
      await sup.tick();
      await clock.advance(1000);
    }
    expect(calls).toEqual([]);
    expect(state.scans).toBe(1);
    expect(sup.state().kept).toMatchObject({
      reason: "unsaved_work",
      detail: ["workspace/app: 1 unpushed commit"],
    });
    expect(sup.state().decisions.map((d) => d.event)).toEqual(["kept"]);
    state.repos = [];
    await clock.advance(30_000);
    await sup.tick();
    expect(calls).toEqual(["record:idle_timeout:poweroff", "poweroff"]);
    expect(sup.state().kept).toBeNull();
    expect(sup.state().decisions.map((d) => d.event)).toEqual(["kept", "released", "act"]);
  });

  it("a scan that fails keeps the machine too (and says so)", async () => {
    const { clock, calls, sup, state } = setup();
    state.fail = true;
    await clock.advance(600_000);
    await sup.tick();
    expect(calls).toEqual([]);
    expect(sup.state().kept?.detail).toEqual(["could not check for unsaved work (git exploded)"]);
  });

  it("the reason stays through activity (status over SSH is activity); a workspace on a volume still guards the dotfiles", async () => {
    const { clock, sup, dir, calls } = setup();
    await clock.advance(600_000);
    await sup.tick();
    expect(sup.state().kept).not.toBeNull();
    writeFileSync(path.join(dir, "keepalive"), String(clock.now() / 1000 + 60));
    await sup.tick();
    expect(sup.state().kept).toMatchObject({ reason: "unsaved_work" });
    await clock.advance(700_000);
    await sup.tick();
    expect(calls).toEqual([]);
    // workspace_on_volume narrows the scan (unsaved.ts leaves a mounted ~/workspace out); it never
    // switches the guard off: unsaved dotfiles still keep the machine.
    const vol = setup({ onVolume: true });
    vol.state.repos = [repo({ path: ".dotfiles", uncommitted: 1 })];
    await vol.clock.advance(600_000);
    await vol.sup.tick();
    expect(vol.calls).toEqual([]);
    expect(vol.sup.state().kept?.detail).toEqual([".dotfiles: 1 uncommitted change"]);
    vol.state.repos = [];
    await vol.clock.advance(60_000);
    await vol.sup.tick();
    expect(vol.calls).toEqual(["record:idle_timeout:poweroff", "poweroff"]);
  });

  it("max_lifetime: kept for a grace (the CLI's snapshot), then the hard limit wins", async () => {
    const { clock, calls, sup } = setup({ provider: "digitalocean", maxLifetime: 300 });
    await clock.advance(300_000);
    await sup.tick();
    expect(calls).toEqual([]);
    expect(sup.state().decisions.at(-1)?.detail).toMatch(
      /^max_lifetime \(grace for the CLI's snapshot\): kept/,
    );
    await clock.advance(6 * 3600_000);
    await sup.tick();
    expect(calls).toEqual(["record:max_lifetime:delete-via-api", "delete"]);
    const clean = setup({ provider: "digitalocean", maxLifetime: 300 });
    clean.state.repos = [];
    await clean.clock.advance(300_000);
    await clean.sup.tick();
    expect(clean.calls).toEqual(["record:max_lifetime:delete-via-api", "delete"]);
  });

  it("GET /idle carries the reason and GET /unsaved the scan, behind the token", async () => {
    const { clock, sup, settings, tracker, scan } = setup();
    await clock.advance(600_000);
    await sup.tick();
    const deps = {
      token: "t".repeat(20),
      version: "1",
      clock,
      paths: { bootstrapStatus: "/nonexistent", cloudInitDir: "/nonexistent", logRoot: "/nonexistent" },
      exec: async () => ({ exit_code: 0, stdout: "", stderr: "", duration_ms: 0, timed_out: false }),
      metrics: { cpuPercent: async () => 0, collect: async () => ({}) as never },
      processes: async () => [],
      ports: async () => [],
      tracker,
      settings,
      supervisor: sup,
      startedAt: 0,
      unsaved: scan,
      system: { hostname: () => "h", uptimeSeconds: () => 1 },
    };
    expect(idleReport(deps).kept).toMatchObject({ reason: "unsaved_work" });
    const agent = createAgent(deps);
    const anon = await agent.fetch(new Request("http://agent/unsaved"));
    expect(anon.status).toBe(401);
    const res = await agent.fetch(
      new Request("http://agent/unsaved", { headers: { "x-spuff-token": deps.token } }),
    );
    expect(await res.json()).toMatchObject({
      guard_needed: true,
      workspace_on_volume: false,
      complete: true,
      repos: [{ unpushed: 1 }],
    });
    const failing = createAgent({ ...deps, unsaved: async () => Promise.reject(new Error("no dev user")) });
    const down = await failing.fetch(
      new Request("http://agent/unsaved", { headers: { "x-spuff-token": deps.token } }),
    );
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ error: expect.stringContaining("no dev user") });
  });
});
