/**
 * The agent's reaper path on Hetzner, against the Hetzner simulator and a stand-in metadata
 * service, both on loopback: an idle server is DELETEd through the API (a powered-off one would
 * still bill), using the instance id the metadata service reports. wall/poweroff are recorded,
 * never run.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.ts";
import { type HetznerSim, startHetznerSim } from "../sim/hetzner/index.ts";
import { type AgentSettings, defaultSettings } from "./config.ts";
import { IdleTracker } from "./idle.ts";
import { createSupervisor } from "./supervisor.ts";
import { createSystemExecutor, type TeardownExecutor } from "./teardown-executor.ts";
import { probeInDir } from "./testing/probe-dir.ts";

let sim: HetznerSim;
let metadata: http.Server;
let metadataUrl: string;
let dir: string;
let instanceId = "";
const metadataHits: string[] = [];

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-reaper-"));
  sim = await startHetznerSim({ activeAfterMs: 0, actionAfterMs: 20 });
  // Hetzner's metadata service answers the instance id as plain text.
  metadata = http.createServer((req, res) => {
    metadataHits.push(req.url ?? "");
    if (req.url === "/hetzner/v1/metadata/instance-id") res.end(`${instanceId}\n`);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => metadata.listen(0, "127.0.0.1", r));
  metadataUrl = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}`;
  const created = await fetch(`${sim.endpoint}/servers`, {
    method: "POST",
    headers: { authorization: `Bearer ${sim.token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "idle-box", server_type: "cx22", image: "ubuntu-24.04", location: "fsn1" }),
  });
  instanceId = String(((await created.json()) as { server: { id: number } }).server.id);
});

afterEach(async () => {
  await sim.close();
  await new Promise((r) => metadata.close(r));
  metadataHits.length = 0;
  fs.rmSync(dir, { recursive: true, force: true });
});

function settings(token: string): AgentSettings {
  const tokenFile = path.join(dir, "reaper.token");
  fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  return {
    ...defaultSettings(Date.now()),
    provider: "hetzner",
    teardown: "destroy",
    idle_timeout_seconds: 600,
    warn_minutes: 0,
    reaper_token_file: tokenFile,
    metadata_base_url: metadataUrl,
    api_base_url: sim.endpoint,
  };
}

describe("Hetzner reaper (agent teardown → API delete)", () => {
  it("deleteViaApi reads the instance id from the metadata service and DELETEs that server", async () => {
    await createSystemExecutor(path.join(dir, "teardown.json")).deleteViaApi(settings(sim.token));
    expect(metadataHits).toEqual(["/hetzner/v1/metadata/instance-id"]);
    expect(sim.requests.at(-1)).toEqual({
      method: "DELETE",
      path: `/v1/servers/${instanceId}`,
      status: 200,
      remote: "127.0.0.1",
    });
    expect(sim.state.servers.get(Number(instanceId))?.deleting).toBe(true);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("a refused token rejects, so the supervisor can fall back to poweroff", async () => {
    const err = await createSystemExecutor(path.join(dir, "teardown.json"))
      .deleteViaApi(settings("y".repeat(64)))
      .catch((e: Error) => e);
    expect(String(err)).toMatch(/HTTP 401/);
    expect(sim.state.servers.get(Number(instanceId))?.deleting).toBe(false);
  });

  it("never sends the reaper token over plain http to a non-loopback host", async () => {
    const sent: { url: string; auth: string | null }[] = [];
    // Records what would go where and answers like the metadata service / the API would.
    const recording: typeof fetch = async (input, init) => {
      const url = String(input);
      sent.push({ url, auth: new Headers(init?.headers).get("authorization") });
      return new Response(url.includes("instance-id") ? `${instanceId}\n` : "", { status: 200 });
    };
    for (const api of [
      "http://api.hetzner.example/v1",
      "http://10.0.0.7/v1",
      "http://127.0.0.1.evil.example/v1",
      "ftp://api.hetzner.example/v1",
    ]) {
      const err = await createSystemExecutor(path.join(dir, "teardown.json"), recording)
        .deleteViaApi({ ...settings("secret-reaper-token"), api_base_url: api })
        .catch((e: Error) => e);
      expect(String(err)).toContain("not https");
    }
    expect(sent.filter((r) => r.auth !== null)).toEqual([]);
    // https anywhere and http on loopback are used (with the token), and redirects are refused.
    for (const api of ["https://api.hetzner.example/v1", "http://127.0.0.1:9/v1", "http://[::1]:9/v1"]) {
      await createSystemExecutor(path.join(dir, "teardown.json"), async (input, init) => {
        expect((init as RequestInit | undefined)?.redirect ?? "error").toBe("error");
        return recording(input, init);
      }).deleteViaApi({ ...settings("secret-reaper-token"), api_base_url: api });
    }
    expect(sent.filter((r) => r.auth !== null).map((r) => r.url)).toEqual([
      `https://api.hetzner.example/v1/servers/${instanceId}`,
      `http://127.0.0.1:9/v1/servers/${instanceId}`,
      `http://[::1]:9/v1/servers/${instanceId}`,
    ]);
  });

  it("at the idle deadline the supervisor deletes the server instead of powering it off", async () => {
    const clock = new FakeClock();
    const calls: string[] = [];
    const real = createSystemExecutor(path.join(dir, "teardown.json"));
    const executor: TeardownExecutor = {
      ...real,
      wall: async (m) => void calls.push(`wall:${m}`),
      poweroff: async () => void calls.push("poweroff"),
    };
    const s = { ...settings(sim.token), created_at: clock.now() };
    const sup = createSupervisor({
      clock,
      settings: s,
      tracker: new IdleTracker(clock.now()),
      executor,
      probe: probeInDir(dir),
      reaperTokenAvailable: async () => true,
      cpuPercent: async () => 0,
    });
    expect((await sup.tick()).kind).toBe("none");
    await clock.advance(600_000);
    const d = await sup.tick();
    expect(d).toMatchObject({ kind: "act", reason: "idle_timeout", action: "delete-via-api" });
    expect(calls).toEqual([]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "teardown.json"), "utf8"))).toMatchObject({
      reason: "idle_timeout",
      action: "delete-via-api",
    });
    // The delete action finishes and the server is gone from the project: nothing bills any more.
    const deadline = Date.now() + 5000;
    let status = 0;
    while (Date.now() < deadline && status !== 404) {
      await new Promise((r) => setTimeout(r, 30));
      const res = await fetch(`${sim.endpoint}/servers/${instanceId}`, {
        headers: { authorization: `Bearer ${sim.token}` },
      });
      status = res.status;
    }
    expect(status).toBe(404);
    expect(sim.state.servers.size).toBe(0);
  });
});
