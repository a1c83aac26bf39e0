/**
 * The official Hetzner CLI (Debian's `hcloud`) sees what spuff made: pointed at the simulator with
 * HCLOUD_ENDPOINT, it lists and describes the server spuff created, with its labels, and no longer
 * finds it after spuff destroys it. Its own requests go through the same spec validator.
 * Then hcloud's own whole lifecycle: create (which polls GET /actions?id=), describe, poweroff,
 * poweron, reboot, delete, gone, with the validator's list empty.
 * It runs in a temp HOME with its own HCLOUD_CONFIG, so no real hcloud context is read or written.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HetznerSim, startHetznerSim } from "../../sim/hetzner/index.ts";
import { createProvider } from "../registry.ts";
import { testRequest } from "../test-request.ts";
import type { Provider } from "../types.ts";

const HCLOUD = "/usr/bin/hcloud";
const run = promisify(execFile);

describe.runIf(fs.existsSync(HCLOUD))("official hcloud CLI against the simulator", () => {
  let sim: HetznerSim;
  let provider: Provider;
  let home: string;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-hcloud-"));
    sim = await startHetznerSim({ activeAfterMs: 50, actionAfterMs: 50 });
    provider = await createProvider("hetzner", { token: sim.token, env: { HCLOUD_ENDPOINT: sim.endpoint } });
  });
  afterAll(async () => {
    await sim.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  /** hcloud with only what it needs in its environment (no inherited HCLOUD_* of the user). */
  async function hcloud(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      HCLOUD_CONFIG: path.join(home, "cli.toml"),
      HCLOUD_TOKEN: sim.token,
      HCLOUD_ENDPOINT: sim.endpoint,
    };
    try {
      const r = await run(HCLOUD, args, { env, timeout: 30_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof e.code === "number" ? e.code : -1,
        stdout: e.stdout ?? "",
        stderr: e.stderr ?? "",
      };
    }
  }

  it("lists spuff's workspace volume with its labels, and no longer after spuff deletes it", async () => {
    const ops = provider.volumes;
    if (!ops) throw new Error("hetzner has volumes");
    const v = await ops.createVolume({ name: "w-cli", sizeGb: 10, region: "fsn1" });
    const list = await hcloud("volume", "list", "-o", "json");
    expect(list.code, list.stderr).toBe(0);
    const vols = JSON.parse(list.stdout) as { id: number; name: string; size: number; labels: object }[];
    expect(vols).toMatchObject([
      { id: Number(v.id), name: "w-cli", size: 10, labels: { spuff: "true", "spuff-volume": "w-cli" } },
    ]);
    await ops.deleteVolume(v.id);
    // hcloud prints null for an empty list.
    expect(JSON.parse((await hcloud("volume", "list", "-o", "json")).stdout) ?? []).toEqual([]);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("lists and describes spuff's server with its labels, and finds it gone after destroy", async () => {
    const created = await provider.createInstance(
      testRequest("spuff-hcloud", { region: "nbg1", size: "cx22" }),
    );
    const ready = await provider.waitReady(created.id, { timeoutMs: 10_000 });
    const labels = { owner: "me", spuff: "true", "spuff-instance": "spuff-hcloud" };

    const list = await hcloud("server", "list", "-o", "json");
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout) as { id: number; name: string; status: string; labels: object }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id: Number(created.id),
      name: "spuff-hcloud",
      status: "running",
      labels,
    });

    const selected = await hcloud(
      "server",
      "list",
      "-o",
      "json",
      "--selector",
      "spuff-instance=spuff-hcloud",
    );
    expect((JSON.parse(selected.stdout) as { id: number }[]).map((s) => s.id)).toEqual([Number(created.id)]);

    const described = await hcloud("server", "describe", "spuff-hcloud", "-o", "json");
    expect(described.code).toBe(0);
    expect(JSON.parse(described.stdout)).toMatchObject({
      id: Number(created.id),
      name: "spuff-hcloud",
      labels,
      server_type: { name: "cx22" },
      location: { name: "nbg1" },
      public_net: { ipv4: { ip: ready.ip } },
    });

    await provider.destroyInstance(created.id);
    const after = await hcloud("server", "list", "-o", "json");
    expect(after.code).toBe(0);
    // hcloud 1.30 prints an empty list as `null` (a nil Go slice).
    expect(JSON.parse(after.stdout) ?? []).toEqual([]);
    const gone = await hcloud("server", "describe", "spuff-hcloud", "-o", "json");
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/not found/);

    // hcloud's own requests (page/per_page/sort, name and label_selector filters) are in the spec too.
    const hcloudCalls = sim.requests.filter((r) => r.method === "GET" && r.path === "/v1/servers");
    expect(hcloudCalls.length).toBeGreaterThanOrEqual(5);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("runs hcloud's own lifecycle: create, describe, poweroff, poweron, reboot, delete, gone", async () => {
    const describe = async () => {
      const r = await hcloud("server", "describe", "hc-life", "-o", "json");
      return {
        ...r,
        server: r.code === 0 ? (JSON.parse(r.stdout) as { id: number; status: string }) : undefined,
      };
    };
    const created = await hcloud(
      "server",
      "create",
      "--name",
      "hc-life",
      "--type",
      "cx22",
      "--image",
      "debian-12",
      "--location",
      "nbg1",
      "--label",
      "team=sim",
    );
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const id = Number(/Server (\d+) created/.exec(created.stdout)?.[1]);
    expect(sim.state.servers.get(id)?.name).toBe("hc-life");

    const shown = await describe();
    expect(shown.server).toMatchObject({
      id,
      status: "running",
      labels: { team: "sim" },
      image: { name: "debian-12" },
    });

    for (const [verb, status] of [
      ["poweroff", "off"],
      ["poweron", "running"],
      ["reboot", "running"],
    ] as const) {
      const r = await hcloud("server", verb, "hc-life");
      expect(r.code, `${verb}: ${r.stderr}`).toBe(0);
      expect((await describe()).server?.status).toBe(status);
    }

    const deleted = await hcloud("server", "delete", "hc-life");
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(/deleted/);
    // hcloud 1.30 does not wait for the delete action: poll until the server is gone (bounded).
    let gone = await describe();
    for (let i = 0; i < 50 && gone.code === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      gone = await describe();
    }
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/not found/);
    expect(sim.state.servers.has(id)).toBe(false);

    // create, poweroff, poweron and reboot each waited on GET /v1/actions?id=… (sent with page,
    // per_page and sort, which Hetzner's list conventions define); none of it is a violation.
    const polls = sim.requests.filter((r) => r.method === "GET" && r.path === "/v1/actions");
    expect(polls.length).toBeGreaterThanOrEqual(4);
    expect(sim.validator?.violations).toEqual([]);
  });
});
