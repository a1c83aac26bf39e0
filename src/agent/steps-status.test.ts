import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.ts";
import { createAgent } from "./agent.ts";
import { defaultSettings } from "./config.ts";
import { IdleTracker } from "./idle.ts";
import { overallStatus, readSteps, type StepStatus } from "./steps-status.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "spuff-steps-status-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function statusFiles(sub: string, files: Record<string, string[]>): void {
  mkdirSync(path.join(dir, sub), { recursive: true });
  for (const [id, lines] of Object.entries(files))
    writeFileSync(path.join(dir, sub, `${id}.status`), `${lines.join("\n")}\n`);
}

const step = (status: StepStatus["status"]): StepStatus => ({
  id: "01",
  name: "x",
  status,
  version: null,
  exit_code: null,
  log: null,
  started_at: null,
  finished_at: null,
  reason: null,
});

describe("overallStatus", () => {
  it("failed when the script or any step failed; running while anything is left; else the script's word", () => {
    expect(overallStatus("ready", [step("done"), step("failed")])).toBe("failed");
    expect(overallStatus("failed", [step("done")])).toBe("failed");
    expect(overallStatus("ready", [step("done"), step("installing")])).toBe("running");
    expect(overallStatus("ready", [step("pending")])).toBe("running");
    expect(overallStatus("running", [step("done")])).toBe("running");
    expect(overallStatus("ready", [step("done"), step("skipped")])).toBe("ready");
    expect(overallStatus("ready", [])).toBe("ready");
  });
});

describe("GET /bootstrap and /status", () => {
  statusFiles("bundles", {
    "01": [
      "name=node",
      "status=done",
      "version=v18.19.0",
      "exit=0",
      "log=/var/log/spuff/bundles/01.log",
      "started=1700000000",
      "finished=1700000060",
    ],
    "02": ["name=devbox", "status=failed", "exit=22", "log=/var/log/spuff/bundles/02.log"],
    "03": ["name=go", "status=nonsense"],
  });
  statusFiles("setup", { "01": ["name=packages", "status=done", "exit=0"] });
  writeFileSync(path.join(dir, "bootstrap.status"), "ready\n");
  writeFileSync(path.join(dir, "not-a-step.txt"), "ignored");
  const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
  const agent = createAgent({
    token: "t0123456789",
    version: "1",
    clock,
    paths: {
      bootstrapStatus: path.join(dir, "bootstrap.status"),
      cloudInitDir: dir,
      logRoot: dir,
      stepsRoot: dir,
    },
    exec: async () => ({ exit_code: 0, stdout: "", stderr: "", duration_ms: 0, timed_out: false }),
    metrics: {
      cpuPercent: async () => 0,
      collect: async () => {
        throw new Error("unused");
      },
    },
    processes: async () => [],
    ports: async () => [],
    tracker: new IdleTracker(clock.now()),
    settings: defaultSettings(clock.now()),
    startedAt: clock.now(),
    system: { hostname: () => "h", uptimeSeconds: () => 1 },
  });
  const get = async (p: string) =>
    (await agent.fetch(new Request(`http://a${p}`, { headers: { "x-spuff-token": "t0123456789" } }))).json();

  it("lists each bundle and step with status, version, exit code and log; overall failed", async () => {
    const b = (await get("/bootstrap")) as Record<string, unknown>;
    expect(b.status).toBe("failed");
    expect(b.bootstrap_script).toBe("ready");
    expect(b.bundles).toEqual([
      {
        id: "01",
        name: "node",
        status: "done",
        version: "v18.19.0",
        exit_code: 0,
        log: "/var/log/spuff/bundles/01.log",
        started_at: "2023-11-14T22:13:20.000Z",
        finished_at: "2023-11-14T22:14:20.000Z",
        reason: null,
      },
      expect.objectContaining({ name: "devbox", status: "failed", exit_code: 22 }),
      // An unknown word is shown as pending, never as done.
      expect.objectContaining({ name: "go", status: "pending" }),
    ]);
    expect(b.setup).toEqual([expect.objectContaining({ name: "packages", status: "done" })]);
    const s = (await get("/status")) as Record<string, unknown>;
    expect(s).toMatchObject({ bootstrap_status: "failed", bootstrap_ready: false });
  });

  it("no status directories: empty lists, the script's word", async () => {
    expect(await readSteps(path.join(dir, "missing"))).toEqual([]);
  });
});
