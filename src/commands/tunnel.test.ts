/**
 * `spuff tunnel` in-process against a real OpenSSH sshd: the "VM's loopback" is this machine's,
 * where an HTTP server runs. The SSH connection goes through a TCP relay the test can cut, to
 * prove that a dropped connection ends the tunnel with an SSH error instead of hanging.
 */
import { EventEmitter } from "node:events";
import http from "node:http";
import type net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayedBox, startRelayedBox } from "../../test/helpers/relayed-box.ts";
import { ExitCode } from "../core/errors.ts";
import { onInterrupt } from "../core/interrupt.ts";
import type { createTestIO } from "../core/io.ts";
import { runTunnel } from "./tunnel.ts";

let box: RelayedBox;
let web: http.Server;
let webPort: number;

beforeAll(async () => {
  box = await startRelayedBox("tunnel");
  web = http.createServer((req, res) => res.end(`web ${req.url}`));
  await new Promise<void>((r) => web.listen(0, "127.0.0.1", () => r()));
  webPort = (web.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await box?.close();
  await new Promise((r) => web?.close(r));
});

async function mapping(io: ReturnType<typeof createTestIO>) {
  for (let i = 0; i < 200 && !io.stdout().includes("\n"); i++) await new Promise((r) => setTimeout(r, 25));
  const lines = io.stdout().split("\n").filter(Boolean);
  expect(lines).toHaveLength(1); // one JSON line, printed once every listener is bound
  return JSON.parse(lines[0] as string) as { forwards: { local_port: number; remote_port: number }[] };
}

describe("spuff tunnel", () => {
  it("forwards several ports over one connection, prints the mapping as one JSON line, stops on SIGTERM", async () => {
    const { deps, io } = box.deps(true);
    await box.saveBox(deps);
    const proc = new EventEmitter() as unknown as NodeJS.Process;
    const running = runTunnel(deps, undefined, { port: [`0:${webPort}`, `0:${webPort}`] }, onInterrupt(proc));
    const m = await mapping(io);
    expect(m.forwards.map((f) => f.remote_port)).toEqual([webPort, webPort]);
    const [a, b] = m.forwards.map((f) => f.local_port);
    expect(a).not.toBe(b);
    expect(await (await fetch(`http://127.0.0.1:${a}/one`)).text()).toBe("web /one");
    expect(await (await fetch(`http://127.0.0.1:${b}/two`)).text()).toBe("web /two");
    proc.emit("SIGTERM");
    await running;
    // Closed: the local ports no longer accept.
    await expect(fetch(`http://127.0.0.1:${a}/`)).rejects.toThrow();
    for (let i = 0; i < 100 && box.relayed.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(box.relayed.size).toBe(0); // and the SSH connection is gone
    deps.close();
  });

  it("ends with an SSH error (exit 9) when the connection drops, instead of hanging", async () => {
    const { deps, io } = box.deps(true);
    await box.saveBox(deps);
    const interrupt = onInterrupt(new EventEmitter() as unknown as NodeJS.Process);
    const running = runTunnel(deps, "box", { port: [`0:${webPort}`] }, interrupt);
    const outcome = running.then(
      () => "resolved",
      (e) => e,
    );
    await mapping(io);
    box.cut();
    expect(await outcome).toMatchObject({ code: "tunnel_closed", exitCode: ExitCode.ssh });
    deps.close();
  });
});
