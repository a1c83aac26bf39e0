import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SshdFixture, sshdConnectOptions, startSshd } from "../../test/helpers/sshd.ts";
import { openAgentTunnel } from "./agent-tunnel.ts";
import { connect } from "./connect.ts";
import type { Connection } from "./connection.ts";
import { forward } from "./forward.ts";
import { shell } from "./shell.ts";

let sshd: SshdFixture;
let conn: Connection;
let server: http.Server;
let serverPort: number;
const seen: string[] = [];

beforeAll(async () => {
  sshd = await startSshd();
  conn = await connect(sshdConnectOptions(sshd));
  // The "remote" is this machine: remote 127.0.0.1:<port> is a server started here.
  server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ path: req.url, via: req.socket.remoteAddress }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  serverPort = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await conn?.close();
  await new Promise((r) => server?.close(r));
  await sshd?.stop();
});

describe("forward", () => {
  it("carries HTTP through the tunnel while a shell is open on the same connection", async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = "";
    stdout.on("data", (d: Buffer) => (out += d));
    const session = shell(conn, { stdin, stdout, stderr: new PassThrough() });
    stdin.write("echo shell-$((20+1))\n");
    for (let i = 0; i < 200 && !out.includes("shell-21"); i++) await new Promise((r) => setTimeout(r, 20));
    expect(out).toContain("shell-21");

    const fwd = await forward(conn, { remotePort: serverPort });
    const a = await openAgentTunnel(conn, serverPort);
    try {
      expect(fwd.localPort).not.toBe(serverPort);
      // Several requests at once, over two forwards, each its own channel.
      const urls = [1, 2, 3, 4].map((i) => `http://127.0.0.1:${fwd.localPort}/r${i}`);
      urls.push(`${a.baseUrl}/health`);
      const bodies = await Promise.all(urls.map(async (u) => (await fetch(u)).json()));
      expect(bodies.map((b) => (b as { path: string }).path)).toEqual([
        "/r1",
        "/r2",
        "/r3",
        "/r4",
        "/health",
      ]);
      // sshd (not our process) opened the connection to the server.
      expect((bodies[0] as { via: string }).via).toBe("127.0.0.1");
      expect(seen).toHaveLength(5);
      expect(a.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // The shell is still alive and usable after the forwards ran.
      stdin.write("exit 5\n");
      expect(await session).toBe(5);
    } finally {
      await fwd.close();
      await a.close();
    }
    // After close, nothing listens on the local port.
    await expect(fetch(`http://127.0.0.1:${fwd.localPort}/x`)).rejects.toThrow();
  });

  it("closes the local socket when nothing listens on the remote port, and says so to the caller", async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const deadPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const refused: string[] = [];
    const fwd = await forward(conn, { remotePort: deadPort, onRefused: (e) => refused.push(e.message) });
    try {
      await expect(fetch(`http://127.0.0.1:${fwd.localPort}/`)).rejects.toThrow();
      expect(refused.length).toBeGreaterThan(0);
    } finally {
      await fwd.close();
    }
  });
  it("answers a client that half-closes after its request (HTTP/1.0 style)", async () => {
    const fwd = await forward(conn, { remotePort: serverPort });
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const sock = net.connect(fwd.localPort, "127.0.0.1");
        let data = "";
        sock.setTimeout(10_000, () => sock.destroy(new Error("timeout")));
        sock.on("connect", () => sock.end("GET /half HTTP/1.0\r\nHost: x\r\n\r\n"));
        sock.on("data", (b) => (data += b));
        sock.on("end", () => resolve(data));
        sock.on("error", reject);
      });
      expect(reply).toContain('"path":"/half"');
    } finally {
      await fwd.close();
    }
  });
});
