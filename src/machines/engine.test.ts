/**
 * Real machines (nspawn): boot from user-data, log in over SSH with the host key pinned from
 * that user-data, see cloud-init finish cleanly, and find nothing left after destroy.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  leftovers,
  NOTHING_LEFT,
  runMachineSuites,
  TEST_IMAGE,
  tempDataDir,
} from "../../test/helpers/machines.ts";
import { generateKeyPair } from "../../test/helpers/sshd.ts";
import { generateHostKey } from "../cloudinit/host-key.ts";
import { exec } from "../ssh/exec.ts";
import { waitForLogin } from "../ssh/wait.ts";
import { MachineEngine } from "./engine.ts";
import { machineLayout } from "./layout.ts";

describe.runIf(runMachineSuites)("nspawn machines", () => {
  const dataDir = tempDataDir("engine");
  const layout = machineLayout(dataDir);
  const engine = new MachineEngine({ layout });
  afterAll(async () => {
    for (const m of engine.list()) await engine.destroy(m.id);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("boots from user-data, logs in with the pinned host key, cloud-init done; destroy leaves nothing", async () => {
    const userKey = path.join(dataDir, "id_user");
    const userPub = generateKeyPair(userKey);
    const hostKey = generateHostKey();
    const userData = `#cloud-config\n${stringify({
      hostname: "engine-test",
      users: [
        { name: "dev", shell: "/bin/bash", sudo: "ALL=(ALL) NOPASSWD:ALL", ssh_authorized_keys: [userPub] },
      ],
      ssh_keys: { ed25519_private: hostKey.privateKey, ed25519_public: hostKey.publicKey },
      ssh_deletekeys: true,
      write_files: [{ path: "/etc/spuff-marker", content: "from user-data\n" }],
    })}`;

    const t0 = Date.now();
    const created = await engine.create({ name: "engine-test", userData, image: TEST_IMAGE });
    const m = engine.require(created.id);
    expect(m.address).toMatch(/^127\.0\.0\.\d+$/);
    expect(engine.isRunning(m)).toBe(true);
    await engine.waitSsh(m.id, 60_000);
    const bannerMs = Date.now() - t0;

    const conn = await waitForLogin(
      { host: m.address, user: "dev", privateKeyPath: userKey, pinnedHostKey: hostKey.publicKey },
      { timeoutMs: 60_000 },
    );
    try {
      const status = await exec(conn, "cloud-init status --wait --format=json", { timeoutMs: 120_000 });
      const doneMs = Date.now() - t0;
      expect(status.exitCode).toBe(0);
      const parsed = JSON.parse(status.stdout) as { status: string; errors: unknown[] };
      expect(parsed).toMatchObject({ status: "done", errors: [] });
      const marker = await exec(conn, "cat /etc/spuff-marker; hostname; sudo -n true && echo sudo-ok", {
        timeoutMs: 10_000,
      });
      expect(marker.stdout).toBe("from user-data\nengine-test\nsudo-ok\n");
      // Its own user namespace: guest root is the machine's UID base on the host, not uid 0; no
      // identity map, and the guest's root cannot act as host root (mknod of a disk is refused).
      const userns = await exec(
        conn,
        "cat /proc/self/uid_map; sudo -n cat /proc/self/uid_map; sudo -n mknod /tmp/sda b 8 0 2>&1; echo rc=$?",
        { timeoutMs: 10_000 },
      );
      const maps = userns.stdout
        .split("\n")
        .slice(0, 2)
        .map((l) => l.trim().split(/\s+/).map(Number));
      expect(maps[0]).toEqual([0, m.uidBase ?? -1, 65536]);
      expect(maps[1]).toEqual(maps[0]);
      expect(m.uidBase).toBeGreaterThanOrEqual(0x2000_0000);
      expect(userns.stdout).toMatch(/rc=[1-9]/);
      console.log(`nspawn: create→banner ${bannerMs} ms, create→cloud-init done ${doneMs} ms`);
    } finally {
      await conn.close();
    }

    expect(leftovers(layout)).not.toEqual(NOTHING_LEFT);
    await engine.destroy(m.id);
    expect(leftovers(layout)).toEqual(NOTHING_LEFT);
    // Idempotent: destroying again is not an error.
    await engine.destroy(m.id);
  }, 180_000);

  it("says how to build a missing image", async () => {
    await expect(
      engine.create({ name: "x", userData: "#cloud-config\n", image: "debian-99" }),
    ).rejects.toMatchObject({
      code: "image_missing",
    });
    expect(leftovers(layout)).toEqual(NOTHING_LEFT);
  });
});
