import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SshdFixture, sshdConnectOptions, startSshd } from "../../test/helpers/sshd.ts";
import { connect } from "./connect.ts";
import type { Connection } from "./connection.ts";
import { SshError } from "./errors.ts";
import { exec } from "./exec.ts";
import { upload } from "./upload.ts";

let sshd: SshdFixture;
let conn: Connection;
let remoteDir: string;

const run = async (cmd: string) => (await exec(conn, cmd, { timeoutMs: 10_000 })).stdout.trim();

beforeAll(async () => {
  sshd = await startSshd();
  conn = await connect(sshdConnectOptions(sshd));
  // The "remote" is this machine, so the fixture's temp dir is a fine remote directory.
  remoteDir = path.join(sshd.dir, "remote");
  await run(`mkdir -p ${remoteDir}`);
});
afterAll(async () => {
  await conn?.close();
  await sshd?.stop();
});

describe("upload", () => {
  it("uploads a few MiB intact with exact mode bits", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const target = path.join(remoteDir, "blob.bin");
    const t0 = Date.now();
    await upload(conn, { remotePath: target, data, mode: 0o750 });
    const ms = Date.now() - t0;
    expect(ms).toBeLessThan(10_000);
    const want = createHash("sha256").update(data).digest("hex");
    expect(await run(`sha256sum ${target} | cut -d' ' -f1`)).toBe(want);
    expect(await run(`stat -c %a ${target}`)).toBe("750");
    // No temp files left beside the target.
    expect(await run(`ls -A ${remoteDir}`)).toBe("blob.bin");
  });

  it("replaces an existing target atomically (rename, not rewrite in place)", async () => {
    const target = path.join(remoteDir, "config.json");
    await run(`echo old > ${target}; chmod 600 ${target}`);
    const inodeBefore = await run(`stat -c %i ${target}`);
    // A new inode proves a rename over the target, not an in-place rewrite a reader could see half-done.
    const local = path.join(sshd.dir, "local-config.json");
    writeFileSync(local, '{"new":true}\n');
    await upload(conn, { remotePath: target, data: { localPath: local }, mode: 0o644 });
    expect(await run(`cat ${target}`)).toBe('{"new":true}');
    expect(await run(`stat -c %a ${target}`)).toBe("644");
    expect(await run(`stat -c %i ${target}`)).not.toBe(inodeBefore);
    expect(await run(`ls -A ${remoteDir} | grep -c spuff || true`)).toBe("0");
  });

  it("fails with an SshError and leaves nothing behind when the directory is missing", async () => {
    const err = await upload(conn, { remotePath: path.join(remoteDir, "nope/x"), data: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(SshError);
    expect((err as SshError).code).toBe("upload_failed");
  });
});
