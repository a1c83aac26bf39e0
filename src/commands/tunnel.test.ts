/**
 * `spuff tunnel` in-process against a real OpenSSH sshd: the "VM's loopback" is this machine's,
 * where an HTTP server runs. The SSH connection goes through a TCP relay the test can cut, to
 * prove that a dropped connection ends the tunnel with an SSH error instead of hanging.
 */
import { EventEmitter } from "node:events";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sample } from "../../test/helpers/instances.ts";
import { type SshdFixture, startSshd } from "../../test/helpers/sshd.ts";
import { createDeps, type Deps } from "../cli/deps.ts";
import { ExitCode } from "../core/errors.ts";
import { onInterrupt } from "../core/interrupt.ts";
import { createTestIO } from "../core/io.ts";
import { runTunnel } from "./tunnel.ts";

let sshd: SshdFixture;
let web: http.Server;
let webPort: number;
let relay: net.Server;
const relayed = new Set<net.Socket>();
let dir: string;

beforeAll(async () => {
  sshd = await startSshd();
  web = http.createServer((req, res) => res.end(`web ${req.url}`));
  await new Promise<void>((r) => web.listen(0, "127.0.0.1", () => r()));
  webPort = (web.address() as net.AddressInfo).port;
  relay = net.createServer((client) => {
    const upstream = net.connect(sshd.port, sshd.host);
    for (const s of [client, upstream]) {
      relayed.add(s);
      s.on("error", () => {});
      s.on("close", () => relayed.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => relay.listen(0, "127.0.0.1", () => r()));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-tunnel-"));
  fs.writeFileSync(path.join(dir, "config.yaml"), `provider: local\nssh_key_path: ${sshd.clientKeyPath}\n`, {
    mode: 0o600,
  });
});
afterAll(async () => {
  for (const s of relayed) s.destroy();
  await new Promise((r) => relay?.close(r));
  await new Promise((r) => web?.close(r));
  await sshd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function tunnelDeps(): { deps: Deps; io: ReturnType<typeof createTestIO> } {
  const io = createTestIO();
  const env = { SPUFF_CONFIG_DIR: dir, SPUFF_DATA_DIR: path.join(dir, "data"), HOME: dir };
  return { deps: createDeps({ io, env, logLevel: "error", json: true }), io };
}

async function saveBox(deps: Deps): Promise<void> {
  const store = await deps.state();
  if (store.getByName("box")) return;
  store.save(
    sample("box", {
      provider: "local",
      providerId: "m-1",
      status: "ready",
      ip: "127.0.0.1",
      sshPort: (relay.address() as net.AddressInfo).port,
      sshUser: sshd.user,
      hostKey: sshd.hostPublicKey,
    }),
  );
}

async function mapping(io: ReturnType<typeof createTestIO>) {
  for (let i = 0; i < 200 && !io.stdout().includes("\n"); i++) await new Promise((r) => setTimeout(r, 25));
  const lines = io.stdout().split("\n").filter(Boolean);
  expect(lines).toHaveLength(1); // one JSON line, printed once every listener is bound
  return JSON.parse(lines[0] as string) as { forwards: { local_port: number; remote_port: number }[] };
}

describe("spuff tunnel", () => {
  it("forwards several ports over one connection, prints the mapping as one JSON line, stops on SIGTERM", async () => {
    const { deps, io } = tunnelDeps();
    await saveBox(deps);
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
    for (let i = 0; i < 100 && relayed.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(relayed.size).toBe(0); // and the SSH connection is gone
    deps.close();
  });

  it("ends with an SSH error (exit 9) when the connection drops, instead of hanging", async () => {
    const { deps, io } = tunnelDeps();
    await saveBox(deps);
    const interrupt = onInterrupt(new EventEmitter() as unknown as NodeJS.Process);
    const running = runTunnel(deps, "box", { port: [`0:${webPort}`] }, interrupt);
    const outcome = running.then(
      () => "resolved",
      (e) => e,
    );
    await mapping(io);
    for (const s of relayed) s.destroy();
    expect(await outcome).toMatchObject({ code: "tunnel_closed", exitCode: ExitCode.ssh });
    deps.close();
  });
});
