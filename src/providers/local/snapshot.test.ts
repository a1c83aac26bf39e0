/**
 * Local snapshots are saved machine images: a file written on a machine is there on a machine
 * started from its snapshot, which nonetheless runs cloud-init afresh (new instance-id, new
 * host key from its own user-data) — what `up --snapshot` relies on.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  leftovers,
  NOTHING_LEFT,
  runMachineSuites,
  SHARED_DATA_DIR,
  tempDataDir,
} from "../../../test/helpers/machines.ts";
import { generateKeyPair } from "../../../test/helpers/sshd.ts";
import { generateHostKey } from "../../cloudinit/host-key.ts";
import { MachineEngine } from "../../machines/engine.ts";
import { machineLayout } from "../../machines/layout.ts";
import { exec } from "../../ssh/exec.ts";
import { waitForLogin } from "../../ssh/wait.ts";
import { createLocalProvider } from "./index.ts";

describe.runIf(runMachineSuites)("local provider snapshots", () => {
  const dir = tempDataDir("local-snap");
  // Snapshot images are written into images/, which tempDataDir shares: use a private one here.
  fs.rmSync(path.join(dir, "images"));
  fs.mkdirSync(path.join(dir, "images"));
  afterAll(async () => {
    const engine = new MachineEngine({ layout: machineLayout(dir) });
    for (const m of engine.list()) await engine.destroy(m.id);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("snapshot → create from it: the file is there, cloud-init ran again with the new host key", async () => {
    fs.symlinkSync(path.join(SHARED_DATA_DIR, "images", "debian-12"), path.join(dir, "images", "debian-12"));
    const provider = createLocalProvider({ token: undefined, env: { SPUFF_DATA_DIR: dir } });
    const userKey = path.join(dir, "id");
    const userPub = generateKeyPair(userKey);
    const boot = async (
      name: string,
      image: { kind: "debian"; version: string } | { kind: "snapshot"; id: string },
    ) => {
      const hostKey = generateHostKey();
      const userData = `#cloud-config\n${stringify({
        users: [
          { name: "dev", shell: "/bin/bash", sudo: "ALL=(ALL) NOPASSWD:ALL", ssh_authorized_keys: [userPub] },
        ],
        ssh_keys: { ed25519_private: hostKey.privateKey, ed25519_public: hostKey.publicKey },
      })}`;
      const inst = await provider.createInstance({
        name,
        region: "local",
        size: "default",
        image,
        userData,
        labels: {},
        sshPublicKey: userPub,
      });
      const ready = await provider.waitReady(inst.id, { timeoutMs: 60_000 });
      const conn = await waitForLogin(
        { host: ready.ip as string, user: "dev", privateKeyPath: userKey, pinnedHostKey: hostKey.publicKey },
        { timeoutMs: 60_000 },
      );
      return { inst, conn };
    };

    const first = await boot("snap-src", { kind: "debian", version: "12" });
    await exec(
      first.conn,
      "echo kept-by-snapshot | sudo -n tee /var/tmp/marker >/dev/null; cloud-init status --wait",
      { timeoutMs: 120_000 },
    );
    const firstId = (await exec(first.conn, "cat /var/lib/cloud/data/instance-id", { timeoutMs: 10_000 }))
      .stdout;
    await first.conn.close();
    const snap = await provider.createSnapshot(first.inst.id, "snap-one");
    expect((await provider.listSnapshots()).map((s) => s.id)).toEqual(["snap-one"]);
    await provider.destroyInstance(first.inst.id);

    const second = await boot("snap-dst", { kind: "snapshot", id: snap.id });
    const r = await exec(
      second.conn,
      "cloud-init status --wait --format=json >/dev/null; cat /var/tmp/marker /var/lib/cloud/data/instance-id",
      { timeoutMs: 120_000 },
    );
    await second.conn.close();
    const [marker, secondId] = r.stdout.trim().split("\n");
    expect(marker).toBe("kept-by-snapshot");
    expect(secondId).not.toBe(firstId.trim());
    await provider.destroyInstance(second.inst.id);

    await provider.deleteSnapshot(snap.id);
    await provider.deleteSnapshot(snap.id); // idempotent
    expect(await provider.listSnapshots()).toEqual([]);
    expect(leftovers(machineLayout(dir))).toEqual(NOTHING_LEFT);
  }, 300_000);
});
