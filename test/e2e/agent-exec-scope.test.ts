/**
 * /exec on a real machine (nspawn, systemd as init): a timed-out command's `setsid` child, which
 * left the command's process group, is killed with it because each exec runs in its own systemd
 * scope. The real agent bundle runs as root under systemd, the command as the dev user.
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { generateHostKey } from "../../src/cloudinit/host-key.ts";
import { MachineEngine } from "../../src/machines/engine.ts";
import { machineLayout } from "../../src/machines/layout.ts";
import { exec } from "../../src/ssh/exec.ts";
import { upload } from "../../src/ssh/upload.ts";
import { waitForLogin } from "../../src/ssh/wait.ts";
import { removeDataDirs, runMachineSuites, TEST_IMAGE, tempDataDir } from "../helpers/machines.ts";
import { generateKeyPair } from "../helpers/sshd.ts";

const repo = path.resolve(import.meta.dirname, "../..");
const TOKEN = "scope-test-token-0123456789abcdef";

describe.runIf(runMachineSuites)("agent /exec in a systemd scope", () => {
  const dataDir = tempDataDir("exec-scope");
  const engine = new MachineEngine({ layout: machineLayout(dataDir) });
  afterAll(() => removeDataDirs([dataDir]));

  it("kills a setsid child of a timed-out command; the dev user runs it", async () => {
    const userKey = path.join(dataDir, "id_user");
    const userPub = generateKeyPair(userKey);
    const hostKey = generateHostKey();
    const userData = `#cloud-config\n${stringify({
      hostname: "exec-scope",
      users: [
        { name: "dev", shell: "/bin/bash", sudo: "ALL=(ALL) NOPASSWD:ALL", ssh_authorized_keys: [userPub] },
      ],
      ssh_keys: { ed25519_private: hostKey.privateKey, ed25519_public: hostKey.publicKey },
      ssh_deletekeys: true,
    })}`;
    const m = await engine.create({ name: "exec-scope", userData, image: TEST_IMAGE });
    await engine.waitSsh(m.id, 90_000);
    const conn = await waitForLogin(
      { host: m.address, user: "dev", privateKeyPath: userKey, pinnedHostKey: hostKey.publicKey },
      { timeoutMs: 90_000 },
    );
    const sh = (command: string, timeoutMs = 30_000) => exec(conn, command, { timeoutMs });
    try {
      expect((await sh("cloud-init status --wait >/dev/null; echo done", 150_000)).stdout).toBe("done\n");
      await upload(conn, {
        remotePath: "/home/dev/spuff-agent.cjs",
        data: { localPath: path.join(repo, "dist/agent/spuff-agent.cjs") },
      });
      // As in production: a root service of systemd, the dev user for commands.
      const start = await sh(
        "sudo systemd-run --unit=spuff-agent-test --collect -p StandardError=file:/run/agent-test.log " +
          `--setenv=SPUFF_AGENT_TOKEN=${TOKEN} --setenv=SPUFF_DEV_USER=dev --setenv=SPUFF_AGENT_PORT=7599 ` +
          "--setenv=SPUFF_AGENT_SETTINGS_FILE=/nonexistent node /home/dev/spuff-agent.cjs",
      );
      expect(start.exitCode, start.stderr).toBe(0);
      const up = await sh(
        "for i in $(seq 1 100); do grep -q listening /run/agent-test.log 2>/dev/null && break; sleep 0.1; done; cat /run/agent-test.log",
      );
      expect(up.stdout).toContain("listening on 127.0.0.1:7599");
      expect(up.stdout).not.toContain("without systemd scopes");

      // The child leaves the process group (setsid) and would run for 10 minutes.
      const body = JSON.stringify({
        command: "setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!; id -un; sleep 600",
        timeout_secs: 3,
      });
      const r = await sh(
        `curl -s -w '\\n%{http_code}' -H 'x-spuff-token: ${TOKEN}' -H 'content-type: application/json' ` +
          `--data-binary @- http://127.0.0.1:7599/exec <<'EOF'\n${body}\nEOF`,
      );
      const [json, code] = r.stdout.trimEnd().split(/\n(?=\d+$)/);
      expect(code, r.stdout).toBe("408");
      const [pid, user] = (JSON.parse(json!) as { stdout: string }).stdout.trim().split("\n");
      expect(Number(pid)).toBeGreaterThan(1);
      expect(user).toBe("dev");
      const gone = await sh(
        `for i in $(seq 1 50); do ps -p ${pid} >/dev/null || { echo gone; exit 0; }; sleep 0.1; done; ps -o pid,sid,user,cmd -p ${pid}`,
      );
      expect(gone.stdout).toBe("gone\n");
    } finally {
      await conn.close();
    }
  }, 300_000);
});
