/** The Hetzner simulator's wire behaviour, by raw fetch (no spuff client involved). */
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../core/clock.ts";
import type { MachineBackend } from "../backend.ts";
import { runSim } from "../run-sim.ts";
import { type HetznerSim, type HetznerSimOptions, startHetznerSim } from "./index.ts";

let sim: HetznerSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(o: HetznerSimOptions = {}): Promise<HetznerSim> {
  sim = await startHetznerSim({ strict: true, ...o });
  return sim;
}

async function call(s: HetznerSim, method: string, path: string, body?: unknown, token = s.token) {
  const res = await fetch(s.endpoint + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON
  return { status: res.status, headers: res.headers, json: (text ? JSON.parse(text) : undefined) as any };
}

const server = (name: string, extra: object = {}) => ({
  name,
  server_type: "cx22",
  image: "ubuntu-24.04",
  location: "fsn1",
  ...extra,
});

/** A backend whose machines start, and then turn ready, only when the test says so. */
function manualBackend() {
  const pending = new Map<string, (ip: string) => void>();
  const ready = new Set<string>();
  const destroyed: string[] = [];
  const stopListeners: ((id: string) => void)[] = [];
  const backend: MachineBackend = {
    name: "manual",
    create: (_userData, id) => new Promise((resolve) => pending.set(id, (ip) => resolve({ ip }))),
    isReady: (id) => ready.has(id),
    destroy: async (id) => {
      destroyed.push(id);
    },
    close: async () => {},
    onStopped: (l) => void stopListeners.push(l),
  };
  const guestPoweroff = (id: string) => {
    for (const l of stopListeners) l(id);
  };
  return { backend, pending, ready, destroyed, guestPoweroff };
}

describe("Hetzner simulator", () => {
  it("answers 401 in Hetzner's error envelope with RateLimit headers", async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const s = await start({ clock });
    const res = await call(s, "GET", "/servers", undefined, "wrong");
    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      error: { code: "unauthorized", message: "unable to authenticate", details: null },
    });
    expect(res.headers.get("ratelimit-limit")).toBe("3600");
    expect(res.headers.get("ratelimit-remaining")).toBe("3599");
    // One request spent, refilled one per second: full again one second later.
    expect(res.headers.get("ratelimit-reset")).toBe("1700000001");
    expect(s.validator?.violations).toEqual([]);
  });

  it("reports a server running with its IP only once the machine backend has answered", async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const m = manualBackend();
    const s = await start({ clock, backend: m.backend, activeAfterMs: 1000 });
    const created = await call(s, "POST", "/servers", server("boot1", { user_data: "#cloud-config\n" }));
    expect(created.status).toBe(201);
    const id = created.json.server.id as number;
    expect(created.json.action).toMatchObject({ command: "create_server", status: "running" });
    await clock.advance(5000);
    let got = await call(s, "GET", `/servers/${id}`);
    expect(got.json.server).toMatchObject({ status: "initializing", public_net: { ipv4: null } });
    m.pending.get(String(id))?.("127.0.0.42");
    await new Promise((r) => setImmediate(r));
    got = await call(s, "GET", `/servers/${id}`);
    // Started but sshd not answering yet: still initializing, no address shown.
    expect(got.json.server).toMatchObject({ status: "initializing", public_net: { ipv4: null } });
    m.ready.add(String(id));
    got = await call(s, "GET", `/servers/${id}`);
    expect(got.json.server.status).toBe("running");
    expect(got.json.server.public_net.ipv4.ip).toBe("127.0.0.42");
    const action = await call(s, "GET", `/actions/${created.json.action.id}`);
    expect(action.json.action).toMatchObject({ status: "success", progress: 100 });

    // The guest powering itself off leaves the server "off" but still there (and billed).
    m.guestPoweroff(String(id));
    expect((await call(s, "GET", `/servers/${id}`)).json.server.status).toBe("off");

    const del = await call(s, "DELETE", `/servers/${id}`);
    expect(del.json.action).toMatchObject({ command: "delete_server", status: "running" });
    expect((await call(s, "DELETE", `/servers/${id}`)).json.error.code).toBe("locked");
    await new Promise((r) => setImmediate(r));
    expect(m.destroyed).toEqual([String(id)]);
    await clock.advance(300);
    expect((await call(s, "GET", `/servers/${id}`)).status).toBe(404);
    expect(s.validator?.violations).toEqual([]);
  });

  it("pages with meta.pagination and a Link header, filters by label selector, sorts", async () => {
    const s = await start({ activeAfterMs: 0 });
    for (let i = 0; i < 7; i++) {
      const labels = i % 2 ? { spuff: "true", n: String(i) } : { other: "x" };
      expect((await call(s, "POST", "/servers", server(`p${i}`, { labels }))).status).toBe(201);
    }
    const first = await call(s, "GET", "/servers?label_selector=spuff%3Dtrue&per_page=2&sort=name:desc");
    expect(first.json.servers.map((x: { name: string }) => x.name)).toEqual(["p5", "p3"]);
    expect(first.json.meta.pagination).toEqual({
      page: 1,
      per_page: 2,
      previous_page: null,
      next_page: 2,
      last_page: 2,
      total_entries: 3,
    });
    expect(first.headers.get("link")).toBe(
      `<${s.endpoint}/servers?label_selector=spuff%3Dtrue&per_page=2&sort=name%3Adesc&page=2>; rel="next", ` +
        `<${s.endpoint}/servers?label_selector=spuff%3Dtrue&per_page=2&sort=name%3Adesc&page=2>; rel="last"`,
    );
    const sel = async (q: string) =>
      (await call(s, "GET", `/servers?label_selector=${encodeURIComponent(q)}`)).json.servers.length;
    expect(await sel("n in (1,5)")).toBe(2);
    expect(await sel("!spuff")).toBe(4);
    expect(await sel("spuff,n notin (1)")).toBe(2);
    expect((await call(s, "GET", "/servers?label_selector=a%3D%3D%3Db")).json.error.code).toBe(
      "invalid_input",
    );
    expect((await call(s, "GET", "/servers?name=p4")).json.servers).toHaveLength(1);
    expect(s.validator?.violations).toEqual([]);
  });

  it("answers Hetzner's error codes: uniqueness, invalid input, unavailable type, locked, limit", async () => {
    const s = await start({ activeAfterMs: 0, maxServers: 2 });
    const a = await call(s, "POST", "/servers", server("dup"));
    expect((await call(s, "POST", "/servers", server("dup"))).json.error).toMatchObject({
      code: "uniqueness_error",
      details: { fields: [{ name: "name" }] },
    });
    expect((await call(s, "POST", "/servers", server("x", { server_type: "cx999" }))).status).toBe(422);
    const us = await call(s, "POST", "/servers", server("x", { location: "ash" }));
    expect([us.status, us.json.error.code]).toEqual([412, "resource_unavailable"]);
    const badLabel = await call(s, "POST", "/servers", server("x", { labels: { "-bad": "v" } }));
    expect(badLabel.json.error).toMatchObject({
      code: "invalid_input",
      details: { fields: [{ name: "labels" }] },
    });
    await call(s, "POST", "/servers", server("second"));
    const limit = await call(s, "POST", "/servers", server("third"));
    expect([limit.status, limit.json.error.code]).toEqual([403, "resource_limit_exceeded"]);

    const id = a.json.server.id as number;
    const snap = await call(s, "POST", `/servers/${id}/actions/create_image`, {
      type: "snapshot",
      description: "snap-1",
      labels: { spuff: "true" },
    });
    expect(snap.json.image).toMatchObject({ type: "snapshot", status: "creating", description: "snap-1" });
    const again = await call(s, "POST", `/servers/${id}/actions/create_image`, { type: "snapshot" });
    expect([again.status, again.json.error.code]).toEqual([423, "locked"]);
    expect(s.validator?.violations).toEqual([]);
  });

  it("registers SSH keys once per fingerprint and finds them by fingerprint", async () => {
    const s = await start();
    const pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDW6kV6fFNVJXWYiK3NEEtI+o6fxlVtxnA9AKhuk6bfd test@spuff";
    const created = await call(s, "POST", "/ssh_keys", { name: "k1", public_key: pub });
    expect(created.json.ssh_key.fingerprint).toBe("9a:cf:fe:78:3c:1b:95:3d:97:b9:43:df:29:1b:0f:4b");
    const dup = await call(s, "POST", "/ssh_keys", { name: "k2", public_key: pub });
    expect([dup.status, dup.json.error.code]).toEqual([409, "uniqueness_error"]);
    const found = await call(
      s,
      "GET",
      `/ssh_keys?fingerprint=${encodeURIComponent(created.json.ssh_key.fingerprint)}`,
    );
    expect(found.json.ssh_keys.map((k: { id: number }) => k.id)).toEqual([created.json.ssh_key.id]);
    expect(s.validator?.violations).toEqual([]);
  });

  it("runs out of requests like the real limit and says when it has recovered", async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const s = await start({ clock, rateLimit: { limit: 2, windowMs: 2000 } });
    expect((await call(s, "GET", "/locations")).status).toBe(200);
    const second = await call(s, "GET", "/locations");
    expect(second.headers.get("ratelimit-remaining")).toBe("0");
    const third = await call(s, "GET", "/locations");
    expect(third.status).toBe(429);
    expect(third.json.error.code).toBe("rate_limit_exceeded");
    expect(third.headers.get("ratelimit-reset")).toBe("1700000002");
    await clock.advance(1000);
    expect((await call(s, "GET", "/locations")).status).toBe(200);
    expect(s.validator?.violations).toEqual([]);
  });

  it("strict mode answers a request outside the spec with 400 json_error and records it", async () => {
    const s = await start();
    const res = await call(s, "POST", "/servers", { name: "no-type", image: "ubuntu-24.04" });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("json_error");
    expect(res.json.error.message).toMatch(/server_type/);
    expect(s.validator?.violations.map((v) => v.direction)).toEqual(["request"]);
    expect(s.state.servers.size).toBe(0);
  });

  it("`spuff-sim hetzner` prints the /v1 endpoint that HCLOUD_ENDPOINT takes", async () => {
    const token = "t".repeat(64);
    const cli = await runSim(["hetzner", "--port", "0", "--token", token, "--active-after-ms", "10"]);
    try {
      expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const res = await fetch(`${cli.url}/servers`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ servers: [], meta: { pagination: { total_entries: 0 } } });
    } finally {
      await cli.close();
    }
  });

  it("lists actions by id (GET /actions?id=) and per server, sorted, all checked by the spec", async () => {
    const s = await start({ clock: new FakeClock(1_700_000_000_000), actionAfterMs: 1000 });
    const made = await call(s, "POST", "/servers", server("acts"));
    const id: number = made.json.server.id;
    const createAction: number = made.json.action.id;
    const off = await call(s, "POST", `/servers/${id}/actions/poweroff`);
    const on = await call(s, "POST", `/servers/${id}/actions/poweron`);
    const reboot = await call(s, "POST", `/servers/${id}/actions/reboot`);
    expect([off, on, reboot].map((r) => [r.status, r.json.action.command])).toEqual([
      [201, "stop_server"],
      [201, "start_server"],
      [201, "reboot_server"],
    ]);
    const ids = [createAction, off.json.action.id, on.json.action.id];
    // Unknown ids are left out; `sort=id:desc` (Hetzner's sorting convention) orders them.
    const byId = await call(
      s,
      "GET",
      `/actions?${ids.map((n) => `id=${n}`).join("&")}&id=999999&sort=id:desc`,
    );
    expect(byId.status).toBe(200);
    expect(byId.json.actions.map((a: { id: number }) => a.id)).toEqual([...ids].reverse());
    expect(byId.json.meta.pagination.total_entries).toBe(3);
    const perServer = await call(s, "GET", `/servers/${id}/actions?sort=command`);
    expect(perServer.json.actions.map((a: { command: string }) => a.command)).toEqual([
      "create_server",
      "reboot_server",
      "start_server",
      "stop_server",
    ]);
    expect(s.validator?.violations).toEqual([]);
    // Without an id the spec's required parameter is missing: strict mode refuses it.
    expect((await call(s, "GET", "/actions")).status).toBe(400);
    expect(s.validator?.violations.map((v) => v.message)).toEqual(["missing query parameter id"]);
  });
});
