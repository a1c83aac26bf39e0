/**
 * `spuff tunnel --auto` in-process against a real OpenSSH sshd whose "VM" is this host: an agent
 * stand-in on loopback answers GET /ports from a list the test edits, web servers play the apps.
 * The SSH connection runs through a relay the test can cut or make refuse, to show the reconnect
 * and the bounded give-up. Time is real but the back-off is tuned to milliseconds.
 */
import { EventEmitter } from "node:events";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayedBox, startRelayedBox } from "../../test/helpers/relayed-box.ts";
import { ExitCode } from "../core/errors.ts";
import { onInterrupt } from "../core/interrupt.ts";
import type { createTestIO } from "../core/io.ts";
import { agentTokenFile } from "../up/agent-install.ts";
import { runTunnel } from "./tunnel.ts";
import type { AutoTunnelTuning } from "./tunnel-auto.ts";

const TOKEN = "auto-tunnel-test-token-0123456789";
let box: RelayedBox;
let agent: http.Server;
let agentStatus = 200;
let reported: { port: number; address: string; pid: number; command: string }[] = [];
const webs: http.Server[] = [];

const listen = async (server: net.Server | http.Server, host = "127.0.0.1") => {
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  return (server.address() as net.AddressInfo).port;
};

async function web(host: string, body: string): Promise<number> {
  const s = http.createServer((_req, res) => res.end(body));
  webs.push(s);
  return listen(s, host);
}

beforeAll(async () => {
  box = await startRelayedBox("tunnel-auto");
  agent = http.createServer((req, res) => {
    if (req.headers["x-spuff-token"] !== TOKEN) return res.writeHead(401).end('{"error":"token"}');
    if (req.url !== "/ports" || agentStatus !== 200)
      return res.writeHead(agentStatus === 200 ? 404 : agentStatus).end('{"error":"not found"}');
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ ports: reported }));
  });
  await listen(agent);
});
afterAll(async () => {
  await box?.close();
  for (const s of [agent, ...webs]) await new Promise((r) => s?.close(r));
});

async function setup(json: boolean) {
  const { deps, io } = box.deps(json);
  await box.saveBox(deps);
  fs.mkdirSync(deps.paths.instanceDir("box"), { recursive: true });
  fs.writeFileSync(agentTokenFile(deps.paths.instanceDir("box")), `${TOKEN}\n`, { mode: 0o600 });
  const proc = new EventEmitter() as unknown as NodeJS.Process;
  const tuning: AutoTunnelTuning = {
    pollMs: 50,
    backoff: { attempts: 3, baseMs: 50, maxMs: 200 },
    agentPort: (agent.address() as net.AddressInfo).port,
  };
  return { deps, io, proc, tuning };
}

type Event = Record<string, unknown> & { event: string };
const events = (io: ReturnType<typeof createTestIO>): Event[] =>
  io
    .stdout()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Event);

async function until<T>(what: string, f: () => T | undefined, ms = 10_000): Promise<T> {
  for (let i = 0; i < ms / 20; i++) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const get = (port: number) =>
  fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text());
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.on("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
  });

describe("spuff tunnel --auto", () => {
  it("forwards ports as they appear (same local port when free), drops them as they go, keeps -p", async () => {
    reported = [];
    const fixedPort = await web("127.0.0.1", "fixed");
    const { deps, io, proc, tuning } = await setup(true);
    const running = runTunnel(
      deps,
      "box",
      { auto: true, port: [`0:${fixedPort}`] },
      onInterrupt(proc),
      tuning,
    );
    const fixed = await until("the -p forward", () => events(io).find((e) => e.event === "forward"));
    expect(fixed).toMatchObject({ name: "box", remote: fixedPort, source: "flag", remote_host: "127.0.0.1" });
    expect(await get(fixed.local as number)).toBe("fixed");
    // Then one "following" once the agent first answered: from there a new port gets forwarded.
    await until("following", () => events(io).find((e) => e.event === "following"));
    expect(events(io).map((e) => e.event)).toEqual(["forward", "following"]);

    // Bound to another loopback address on the "VM": 127.0.0.1:P is free here, so local = remote.
    const own = await web("127.0.0.2", "own-address");
    // Bound to the wildcard: its port is taken on this host's 127.0.0.1, so another local port.
    const taken = await web("127.0.0.1", "taken");
    reported = [
      { port: own, address: "127.0.0.2", pid: 11, command: "python3" },
      { port: taken, address: "0.0.0.0", pid: 12, command: "node" },
      { port: taken, address: "::", pid: 12, command: "node" },
    ];
    const started = Date.now();
    const autos = await until("two auto forwards", () => {
      const a = events(io).filter((e) => e.event === "forward" && e.source === "auto");
      return a.length === 2
        ? a.sort((x, y) => (x.remote === own ? -1 : y.remote === own ? 1 : 0))
        : undefined;
    });
    expect(autos[0]).toMatchObject({
      remote: own,
      local: own,
      remote_host: "127.0.0.2",
      pid: 11,
      command: "python3",
    });
    expect(autos[1]).toMatchObject({ remote: taken, remote_host: "127.0.0.1", pid: 12 });
    expect(autos[1]?.local).not.toBe(taken);
    expect(await get(own)).toBe("own-address");
    expect(await get(autos[1]?.local as number)).toBe("taken");
    expect(Date.now() - started).toBeLessThan(2_000);

    reported = reported.filter((r) => r.port !== own);
    const drop = await until("the drop", () => events(io).find((e) => e.event === "drop"));
    expect(drop).toEqual({ event: "drop", name: "box", remote: own, local: own, local_host: "127.0.0.1" });
    expect(await refused(own)).toBe(true);
    expect(await get(fixed.local as number)).toBe("fixed"); // the -p port stays
    expect(events(io).filter((e) => e.event === "forward")).toHaveLength(3); // one line per change

    proc.emit("SIGINT");
    await running;
    expect(await refused(fixed.local as number)).toBe(true);
    expect(await refused(autos[1]?.local as number)).toBe(true);
    deps.close();
  });

  it("reconnects when the connection drops, on the same local ports; gives up after the bound (exit 9)", async () => {
    const appPort = await web("127.0.0.2", "app");
    reported = [{ port: appPort, address: "127.0.0.2", pid: 5, command: "app" }];
    box.refusing = false;
    const { deps, io, proc, tuning } = await setup(true);
    const running = runTunnel(deps, "box", { auto: true }, onInterrupt(proc), tuning);
    const outcome = running.then(
      () => "resolved",
      (e) => e,
    );
    await until("the forward", () => events(io).find((e) => e.event === "forward"));
    expect(await get(appPort)).toBe("app");

    box.cut(); // the server side drops the connection
    await until("reconnected", () => events(io).find((e) => e.event === "reconnected"));
    expect(events(io).find((e) => e.event === "reconnecting")).toMatchObject({
      attempt: 1,
      of: 3,
      delay_ms: 50,
    });
    expect(await until("the app again", () => get(appPort).catch(() => undefined))).toBe("app");
    // Same local port: no new forward event, no drop.
    expect(events(io).filter((e) => e.event === "forward" || e.event === "drop")).toHaveLength(1);

    box.refusing = true;
    box.cut();
    const err = await outcome;
    expect(err).toMatchObject({ code: "tunnel_lost", exitCode: ExitCode.ssh });
    expect((err as Error).message).toContain("3 attempts to reconnect failed");
    const tries = events(io).filter((e) => e.event === "reconnecting");
    expect(tries.slice(-3).map((e) => [e.attempt, e.delay_ms])).toEqual([
      [1, 50],
      [2, 100],
      [3, 200],
    ]);
    expect(await refused(appPort)).toBe(true);
    box.refusing = false;
    deps.close();
  });

  it("human lines; an agent that does not know /ports ends it at once with the agent's answer", async () => {
    const appPort = await web("127.0.0.2", "app");
    reported = [{ port: appPort, address: "127.0.0.2", pid: 5, command: "evil\u001b[2J" }];
    const { deps, io, proc, tuning } = await setup(false);
    const running = runTunnel(deps, "box", { auto: true }, onInterrupt(proc), tuning);
    await until("a line", () => io.stdout().includes("\n"));
    expect(io.stdout()).toBe(`+ 127.0.0.1:${appPort} → box:${appPort} (evil\\u001b[2J, pid 5)\n`);
    proc.emit("SIGTERM");
    await running;
    expect(io.stderr()).toContain("Following the ports box's processes listen on.");
    expect(io.stderr()).toContain("Tunnel closed (SIGTERM)");

    agentStatus = 404;
    try {
      const old = await setup(true);
      await expect(
        runTunnel(old.deps, "box", { auto: true }, onInterrupt(old.proc), old.tuning),
      ).rejects.toMatchObject({
        code: "agent_no_ports",
      });
      expect(events(old.io).filter((e) => e.event === "reconnecting")).toEqual([]);
      old.deps.close();
    } finally {
      agentStatus = 200;
    }
    deps.close();
  });
});
