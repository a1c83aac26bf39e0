import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { postDroplet, useDoSimDeps } from "../../test/helpers/do-sim-deps.ts";
import { sample } from "../../test/helpers/instances.ts";
import { silentBackend } from "../../test/helpers/silent-backend.ts";
import { createDeps } from "../cli/deps.ts";
import { reapAfterCommand } from "../cli/reap-hook.ts";
import { ExitCode } from "../core/errors.ts";
import { createTestIO } from "../core/io.ts";
import { createProvider } from "../providers/registry.ts";
import { testRequest } from "../providers/test-request.ts";
import { startHetznerSim } from "../sim/hetzner/index.ts";
import { currentOwner } from "../state/owner.ts";
import type { InstanceOwner } from "../state/types.ts";
import { runGc } from "./gc.ts";

const t = useDoSimDeps("gc");

/** The identity of a process that has exited: what a SIGKILLed `up` leaves in its record. */
function deadOwner(): InstanceOwner {
  const r = spawnSync(process.execPath, ["-e", "0"]);
  return { pid: r.pid as number, host: os.hostname(), start: null };
}

const untaggedDroplet = (name: string) => postDroplet(t.sim, name, []);

const names = () => [...t.sim.state.droplets.values()].map((d) => d.name).sort();

describe("spuff gc", () => {
  it("removes orphans, dead records and abandoned ups; keeps untagged droplets and healthy instances", async () => {
    t.deps.close();
    t.deps = t.makeDeps(true);
    const store = await t.deps.state();
    await t.dropletFor("orphan");
    await untaggedDroplet("not-ours");
    const known = await t.dropletFor("known");
    store.save(sample("known", { providerId: known, status: "ready" }));
    store.save(sample("dangling", { providerId: "424242", status: "ready" }));
    store.save(sample("never-created", { status: "creating", owner: deadOwner() }));
    await t.dropletFor("half-made"); // its up died before the id was saved
    store.save(sample("half-made", { status: "creating", owner: deadOwner() }));

    await runGc(t.deps, { yes: true, provider: "digitalocean" });

    expect(names()).toEqual(["known", "not-ours"]);
    expect(store.list().map((r) => r.name)).toEqual(["known"]);
    const out = JSON.parse(t.io.stdout());
    expect(out.found.map((g: { kind: string; name: string }) => `${g.kind}:${g.name}`).sort()).toEqual([
      "abandoned:half-made",
      "dangling:dangling",
      "orphan:orphan",
      "stale_intent:never-created",
    ]);
    expect(
      out.results.map((r: { name: string; outcome: string }) => `${r.name}:${r.outcome}`).sort(),
    ).toEqual(["dangling:forgotten", "half-made:destroyed", "never-created:forgotten", "orphan:destroyed"]);
    expect(t.sim.validator?.violations).toEqual([]);
  });

  it("leaves a live up's intent record and the droplet of its name alone", async () => {
    t.deps.close();
    t.deps = t.makeDeps(true);
    const store = await t.deps.state();
    await t.dropletFor("in-flight");
    store.save(sample("in-flight", { status: "creating", owner: currentOwner() }));
    await runGc(t.deps, { yes: true, provider: "digitalocean" });
    expect(names()).toEqual(["in-flight"]);
    expect(store.getByName("in-flight")).toBeDefined();
    const out = JSON.parse(t.io.stdout());
    expect(out.found).toEqual([]);
    expect(out.in_progress).toEqual([{ provider: "digitalocean", name: "in-flight", pid: process.pid }]);
  });

  it("--dry-run lists and changes nothing; without a terminal and --yes it exits 2 and changes nothing", async () => {
    await t.dropletFor("stray");
    await runGc(t.deps, { dryRun: true, provider: "digitalocean" });
    expect(t.io.stdout()).toMatch(/orphan\s+stray\s+digitalocean\s+\d+\s+destroy/);
    const err = await runGc(t.deps, { provider: "digitalocean" }).catch((e) => e);
    expect(err).toMatchObject({ exitCode: ExitCode.usage, hint: expect.stringContaining("--yes") });
    expect(names()).toEqual(["stray"]);
  });

  it("a destroy that fails leaves the record marked destroying; the next gc finishes it", async () => {
    t.deps.close();
    t.deps = t.makeDeps(true);
    const store = await t.deps.state();
    const id = await t.dropletFor("stubborn");
    store.save(sample("stubborn", { providerId: id, status: "provisioning", owner: deadOwner() }));
    // Every attempt of the first DELETE fails (the HTTP layer retries 5 times).
    const fail = { method: "DELETE", path: `/v2/droplets/${id}`, fault: "500" as const };
    t.sim.faults.schedule(fail, fail, fail, fail, fail);
    const err = await runGc(t.deps, { yes: true, provider: "digitalocean" }).catch((e) => e);
    expect(err).toMatchObject({ code: "gc_incomplete" });
    expect(store.getByName("stubborn")).toMatchObject({ status: "destroying", owner: null });
    expect(names()).toEqual(["stubborn"]);

    await runGc(t.deps, { yes: true, provider: "digitalocean" });
    expect(names()).toEqual([]);
    expect(store.list()).toEqual([]);
  });

  it("checks every provider state mentions; one it cannot reach is reported, the others still collected", async () => {
    t.deps.close();
    t.deps = t.makeDeps(true);
    const store = await t.deps.state();
    store.save(sample("gone", { providerId: "5", status: "ready" }));
    store.save(sample("elsewhere", { provider: "hetzner", providerId: "6", status: "ready" }));
    const err = await runGc(t.deps, { yes: true }).catch((e) => e);
    expect(err).toMatchObject({ code: "gc_incomplete", details: { unreachable: [{ provider: "hetzner" }] } });
    expect(store.list().map((r) => r.name)).toEqual(["elsewhere"]);
  });
});

describe("the deadline reaper", () => {
  it("after a command: destroys and forgets instances past max_lifetime, and only those", async () => {
    const store = await t.deps.state();
    const now = t.deps.clock.now();
    const old = await t.dropletFor("too-old");
    const young = await t.dropletFor("young");
    store.save(
      sample("too-old", { providerId: old, status: "ready", deadlineAt: new Date(now - 1000).toISOString() }),
    );
    store.save(
      sample("young", {
        providerId: young,
        status: "ready",
        deadlineAt: new Date(now + 3_600_000).toISOString(),
      }),
    );
    await reapAfterCommand(t.deps);
    expect(names()).toEqual(["young"]);
    expect(store.list().map((r) => r.name)).toEqual(["young"]);
    expect(t.io.stderr()).toContain("too-old reached its max_lifetime deadline");
  });

  it("with nothing due it calls no provider at all; without state opened it does not even open it", async () => {
    const store = await t.deps.state();
    store.save(sample("young", { providerId: "1", status: "ready", deadlineAt: "2999-01-01T00:00:00.000Z" }));
    await reapAfterCommand(t.deps);
    const fresh = t.makeDeps(false);
    await reapAfterCommand(fresh);
    expect(fresh.openState()).toBeUndefined();
    expect(t.sim.requests).toEqual([]);
  });
});

describe("spuff gc on Hetzner", () => {
  it("destroys a server its guest powered off (still billed) and forgets it; a running one stays", async () => {
    const backend = silentBackend();
    const sim = await startHetznerSim({ activeAfterMs: 0, actionAfterMs: 0, backend });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-gc-hz-"));
    const env = { SPUFF_CONFIG_DIR: dir, SPUFF_DATA_DIR: path.join(dir, "data"), HOME: dir };
    const api = { HCLOUD_TOKEN: sim.token, HCLOUD_ENDPOINT: sim.endpoint };
    const io = createTestIO();
    const deps = createDeps({ io, env: { ...env, ...api }, logLevel: "error", json: true });
    try {
      const provider = await createProvider("hetzner", { token: sim.token, env: api });
      const region = { region: "nbg1", size: "cx22" };
      const off = await provider.createInstance(testRequest("sleepy", region));
      const on = await provider.createInstance(testRequest("busy", region));
      const store = await deps.state();
      store.save(sample("sleepy", { provider: "hetzner", providerId: off.id, status: "ready" }));
      store.save(sample("busy", { provider: "hetzner", providerId: on.id, status: "ready" }));
      backend.powerOff(off.id);
      expect((await provider.getInstance(off.id))?.status).toBe("off");

      await runGc(deps, { yes: true, provider: "hetzner" });

      expect(JSON.parse(io.stdout()).found).toMatchObject([{ kind: "powered_off", name: "sleepy" }]);
      expect(store.list().map((r) => r.name)).toEqual(["busy"]);
      expect(await provider.getInstance(off.id)).toBeUndefined();
      expect((await provider.getInstance(on.id))?.status).toBe("active");
      expect(sim.validator?.violations).toEqual([]);
    } finally {
      deps.close();
      await sim.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
