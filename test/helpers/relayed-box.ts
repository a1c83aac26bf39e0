/**
 * In-process command tests against a real OpenSSH sshd whose "VM" is this host: a config dir
 * whose state holds one ready instance `box`, reached through a TCP relay the test can cut
 * (`cut()`: every relayed connection dropped from the server side) or make refuse new ones.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createDeps, type Deps } from "../../src/cli/deps.ts";
import { createTestIO } from "../../src/core/io.ts";
import { sample } from "./instances.ts";
import { type SshdFixture, startSshd } from "./sshd.ts";

export interface RelayedBox {
  sshd: SshdFixture;
  /** The config (and data) dir: config.yaml names the local provider and the sshd's client key. */
  dir: string;
  /** Both sides of every connection the relay holds open. */
  relayed: Set<net.Socket>;
  /** While true, the relay drops every new connection at once. */
  refusing: boolean;
  cut(): void;
  /** Deps on the config dir, with their captured io. */
  deps(json: boolean): { deps: Deps; io: ReturnType<typeof createTestIO> };
  /** Records `box` (ready, behind the relay) unless it is already recorded. */
  saveBox(deps: Deps): Promise<void>;
  close(): Promise<void>;
}

export async function startRelayedBox(prefix: string): Promise<RelayedBox> {
  const sshd = await startSshd();
  const relayed = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    if (box.refusing) return client.destroy();
    const upstream = net.connect(sshd.port, sshd.host);
    for (const s of [client, upstream]) {
      relayed.add(s);
      s.on("error", () => {});
      s.on("close", () => relayed.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => relay.listen(0, "127.0.0.1", () => r()));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `spuff-${prefix}-`));
  fs.writeFileSync(path.join(dir, "config.yaml"), `provider: local\nssh_key_path: ${sshd.clientKeyPath}\n`, {
    mode: 0o600,
  });
  const box: RelayedBox = {
    sshd,
    dir,
    relayed,
    refusing: false,
    cut: () => {
      for (const s of relayed) s.destroy();
    },
    deps(json) {
      const io = createTestIO();
      const env = { SPUFF_CONFIG_DIR: dir, SPUFF_DATA_DIR: path.join(dir, "data"), HOME: dir };
      return { deps: createDeps({ io, env, logLevel: "error", json }), io };
    },
    async saveBox(deps) {
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
    },
    async close() {
      box.cut();
      await new Promise((r) => relay.close(r));
      await sshd.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return box;
}
