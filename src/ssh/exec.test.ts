import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useSshdConnection } from "../../test/helpers/sshd.ts";
import { TimeoutError } from "../core/errors.ts";
import { exec } from "./exec.ts";

const t = useSshdConnection();

describe("exec", () => {
  it("returns stdout and exit code 0", async () => {
    const r = await exec(t.conn, "echo hello", { timeoutMs: 10_000 });
    expect(r).toEqual({ stdout: "hello\n", stderr: "", exitCode: 0, signal: null });
  });

  it("returns a non-zero exit code and stderr", async () => {
    const r = await exec(t.conn, "echo oops >&2; exit 3", { timeoutMs: 10_000 });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe("oops\n");
    expect(r.stdout).toBe("");
  });

  it("runs on the test sshd without the host account's ~/.bashrc (the fixture's SHLVL)", async () => {
    // Bash reads ~/.bashrc for an sshd command only as the top shell; SHLVL=1 from sshd makes it 2.
    const r = await exec(t.conn, 'echo "$SHLVL"', { timeoutMs: 10_000 });
    expect(r.stdout).toBe("2\n");
  });

  it("feeds stdin and closes it", async () => {
    const r = await exec(t.conn, "wc -c", { timeoutMs: 10_000, stdin: "12345" });
    expect(r.stdout.trim()).toBe("5");
  });

  it("keeps the exit status when it arrives in the same socket read as the exec reply", async () => {
    // Over a slow or batching link (slirp on a real machine: ~1 run in 20) sshd's exec reply,
    // EOF, exit-status and close reach ssh2 in one read, parsed in one synchronous pass. Force
    // that here: pause the socket right after the exec request goes out. Node keeps reading into
    // the paused stream's buffer and, on resume, emits every buffered chunk in one synchronous
    // loop. The pause is long enough for sshd to answer on a loaded machine.
    const inner = t.conn.client as unknown as {
      _sock: { pause(): void; resume(): void };
      _protocol: { exec: (...a: unknown[]) => unknown };
    };
    const original = inner._protocol.exec;
    inner._protocol.exec = function (this: unknown, ...a: unknown[]) {
      const r = original.apply(this, a);
      inner._sock.pause();
      setTimeout(() => inner._sock.resume(), 1000);
      return r;
    };
    try {
      const codes: (number | null)[] = [];
      for (let i = 0; i < 3; i++) codes.push((await exec(t.conn, "exit 4", { timeoutMs: 10_000 })).exitCode);
      expect(codes).toEqual([4, 4, 4]);
    } finally {
      inner._protocol.exec = original;
    }
  });

  it("runs many commands concurrently on one connection", async () => {
    const rs = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => exec(t.conn, `echo ${i}`, { timeoutMs: 10_000 })),
    );
    expect(rs.map((r) => r.stdout.trim())).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("times out, closes the channel and keeps the connection usable", async () => {
    const marker = path.join(t.sshd.dir, "writer-stopped");
    // The loop only ends when its stdout (the channel) goes away: proof the channel was closed.
    const cmd = `trap "" PIPE; while echo tick; do sleep 0.05; done; touch ${marker}`;
    const t0 = Date.now();
    const err = await exec(t.conn, cmd, { timeoutMs: 400 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).exitCode).toBe(8);
    expect(Date.now() - t0).toBeLessThan(2000);
    for (let i = 0; i < 40 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(marker)).toBe(true);
    const r = await exec(t.conn, "echo still-here", { timeoutMs: 10_000 });
    expect(r.stdout).toBe("still-here\n");
  });
});
