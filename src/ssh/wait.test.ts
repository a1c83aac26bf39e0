import { appendFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPair, type SshdFixture, sshdConnectOptions, startSshd } from "../../test/helpers/sshd.ts";
import { FakeClock } from "../core/clock.ts";
import { TimeoutError } from "../core/errors.ts";
import { HostKeyMismatchError } from "./errors.ts";
import { exec } from "./exec.ts";
import { backoffMs, waitForLogin, waitForPort } from "./wait.ts";

let sshd: SshdFixture;
const servers: net.Server[] = [];

/** A loopback TCP server running `onSocket` for each connection; returns its port. */
async function listen(onSocket: (s: net.Socket) => void): Promise<number> {
  const srv = net.createServer(onSocket);
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  return (srv.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  for (const s of servers) s.close();
  await sshd?.stop();
});

describe("backoffMs", () => {
  it("polls every 500 ms for 5 s, then grows ×1.5 up to 2.5 s", () => {
    expect(backoffMs(0, 0)).toBe(500);
    expect(backoffMs(4999, 500)).toBe(500);
    expect(backoffMs(5000, 500)).toBe(750);
    expect(backoffMs(6000, 750)).toBe(1125);
    expect(backoffMs(60_000, 2000)).toBe(2500);
  });
});

describe("waitForPort", () => {
  it("does not count a TCP listener without an SSH banner as ready", async () => {
    const silent: net.Socket[] = [];
    const port = await listen((s) => silent.push(s));
    const attempts: unknown[] = [];
    const t0 = Date.now();
    const err = await waitForPort("127.0.0.1", port, {
      timeoutMs: 1500,
      attemptTimeoutMs: 300,
      onAttempt: (_n, e) => attempts.push(e),
    }).catch((e: unknown) => e);
    for (const s of silent) s.destroy();
    expect(err).toBeInstanceOf(TimeoutError);
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(silent.length).toBe(attempts.length);
  });

  it("does not count a non-SSH banner as ready", async () => {
    const port = await listen((s) => s.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    await expect(waitForPort("127.0.0.1", port, { timeoutMs: 1000, attemptTimeoutMs: 300 })).rejects.toThrow(
      TimeoutError,
    );
  });

  it("takes all its timing from the injected clock", async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const port = await listen((s) => s.destroy());
    let settled: unknown;
    const attempts: number[] = [];
    const p = waitForPort("127.0.0.1", port, {
      timeoutMs: 20_000,
      clock,
      onAttempt: (n) => attempts.push(n),
    }).catch((e: unknown) => {
      settled = e;
    });
    const t0 = Date.now();
    // Advance fake time in 250 ms steps, letting real I/O (an immediate close) run in between.
    for (let i = 0; i < 400 && settled === undefined; i++) {
      await clock.advance(250);
      await new Promise((r) => setTimeout(r, 2));
    }
    await p;
    expect(settled).toBeInstanceOf(TimeoutError);
    // 20 s of backoff took well under 20 s of real time: nothing slept for real.
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(clock.now() - start).toBeGreaterThanOrEqual(17_500);
    // 500 ms steps for 5 s, then growing: far fewer than 20 s / 500 ms = 40 attempts.
    expect(attempts.length).toBeGreaterThan(10);
    expect(attempts.length).toBeLessThan(25);
  });

  it("is ready as soon as real sshd sends its banner", async () => {
    const t0 = Date.now();
    await waitForPort(sshd.host, sshd.port, { timeoutMs: 5000 });
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe("waitForLogin", () => {
  it("retries until the key is authorized (as when cloud-init creates the user late)", async () => {
    const lateKey = path.join(sshd.dir, "late");
    const latePub = generateKeyPair(lateKey);
    const attempts: string[] = [];
    setTimeout(() => appendFileSync(path.join(sshd.dir, "authorized_keys"), `${latePub}\n`), 700);
    const conn = await waitForLogin(
      { ...sshdConnectOptions(sshd), privateKeyPath: lateKey },
      { timeoutMs: 8000, attemptTimeoutMs: 3000, onAttempt: (_n, e) => attempts.push((e as Error).message) },
    );
    try {
      expect(attempts.length).toBeGreaterThanOrEqual(1);
      expect(attempts[0]).toMatch(/authentication failed/);
      expect((await exec(conn, "echo in", { timeoutMs: 10_000 })).stdout).toBe("in\n");
    } finally {
      await conn.close();
    }
  });

  it("never retries a host key mismatch", async () => {
    const attempts: unknown[] = [];
    const other = generateKeyPair(path.join(sshd.dir, "not_the_host"));
    const err = await waitForLogin(
      { ...sshdConnectOptions(sshd), pinnedHostKey: other },
      { timeoutMs: 8000, onAttempt: (_n, e) => attempts.push(e) },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    expect(attempts).toEqual([]);
  });

  it("gives up with a TimeoutError when login never succeeds", async () => {
    const stranger = path.join(sshd.dir, "stranger");
    generateKeyPair(stranger);
    const t0 = Date.now();
    const err = await waitForLogin(
      { ...sshdConnectOptions(sshd), privateKeyPath: stranger },
      { timeoutMs: 1200 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).message).toMatch(/waiting for SSH login as root@/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it("bounds a login attempt that never gets past TCP", async () => {
    const silent: net.Socket[] = [];
    const port = await listen((s) => silent.push(s));
    const t0 = Date.now();
    const err = await waitForLogin(
      { ...sshdConnectOptions(sshd), host: "127.0.0.1", port },
      { timeoutMs: 1200, attemptTimeoutMs: 400 },
    ).catch((e: unknown) => e);
    for (const s of silent) s.destroy();
    expect(err).toBeInstanceOf(TimeoutError);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
