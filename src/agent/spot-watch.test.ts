/**
 * The spot watcher against a fake IMDS on loopback (token PUT, then GET, as IMDSv2 wants) and a
 * fake clock: it polls quietly, acts once on a notice (warning, pre_down within the time left,
 * a report), re-tokens on a 401, and ignores what AWS would never send.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.ts";
import { createSpotWatcher, imdsUrlAllowed, parseNotice, type SpotWatchOptions } from "./spot-watch.ts";

interface FakeImds {
  url: string;
  /** What GET spot/instance-action answers: 404 until set. */
  notice?: { status: number; body: string; headers?: Record<string, string> };
  tokens: string[];
  gets: { token: string | undefined }[];
  /** Tokens the fake no longer honours (expired early). */
  revoked: Set<string>;
  close(): Promise<void>;
}

const servers: FakeImds[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function fakeImds(): Promise<FakeImds> {
  const state = {
    tokens: [] as string[],
    gets: [] as { token: string | undefined }[],
    revoked: new Set<string>(),
  };
  const fake = state as unknown as FakeImds;
  const server = http.createServer((req, res) => {
    if (req.method === "PUT" && req.url === "/latest/api/token") {
      const ttl = Number(req.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      if (!(ttl >= 1 && ttl <= 21_600)) return res.writeHead(400).end();
      const t = `token-${state.tokens.length + 1}`;
      state.tokens.push(t);
      return res.writeHead(200, { "content-type": "text/plain" }).end(t);
    }
    const token = req.headers["x-aws-ec2-metadata-token"] as string | undefined;
    state.gets.push({ token });
    if (!token || !state.tokens.includes(token) || state.revoked.has(token)) return res.writeHead(401).end();
    if (req.url !== "/latest/meta-data/spot/instance-action") return res.writeHead(404).end();
    const n = fake.notice;
    if (!n) return res.writeHead(404).end("Not Found");
    res.writeHead(n.status, n.headers ?? { "content-type": "text/plain" }).end(n.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((r) => server.close(() => r()));
  servers.push(fake);
  return fake;
}

const T0 = Date.parse("2026-12-03T14:00:00Z");

function watcher(imds: FakeImds, o: Partial<SpotWatchOptions> = {}) {
  const clock = new FakeClock(T0);
  const warnings: string[] = [];
  const budgets: number[] = [];
  const w = createSpotWatcher({
    baseUrl: imds.url,
    clock,
    fetch,
    intervalMs: 5000,
    warn: async (m) => void warnings.push(m),
    runPreDown: async (ms) => {
      budgets.push(ms);
      return { exit_code: 0, timed_out: false };
    },
    ...o,
  });
  return { w, clock, warnings, budgets };
}

/** Lets the loop's real-time fetches settle between fake-clock steps. */
const settle = () => new Promise((r) => setTimeout(r, 30));

/** Real time, bounded: the loop's fetches are real requests to the fake. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await settle();
  expect(cond()).toBe(true);
  await settle(); // and the loop is asleep on the fake clock again
}

describe("spot watcher", () => {
  it("polls every 5 s with one session token, acts once on the notice, and reports it", async () => {
    const imds = await fakeImds();
    const { w, clock, warnings, budgets } = watcher(imds);
    const stop = new AbortController();
    const done = w.run(stop.signal);
    for (let i = 1; i <= 3; i++) {
      await until(() => imds.gets.length === i);
      await clock.advance(5000);
    }
    await until(() => imds.gets.length === 4);
    expect(imds.tokens).toEqual(["token-1"]);
    expect(w.report()).toBeNull();
    expect(warnings).toEqual([]);

    imds.notice = {
      status: 200,
      body: JSON.stringify({ action: "terminate", time: "2026-12-03T14:02:00Z" }),
    };
    await clock.advance(5000);
    await done;
    expect(warnings).toEqual([
      "spuff: AWS is reclaiming (terminating) this spot machine at 2026-12-03T14:02:00Z. Save and push your work now; the project's pre_down hook is running.",
      "spuff: the pre_down hook finished.",
    ]);
    // Noticed at 14:00:20: 100 s left, 10 s kept back for the machine to go.
    expect(budgets).toEqual([90_000]);
    expect(w.report()).toEqual({
      action: "terminate",
      time: "2026-12-03T14:02:00Z",
      noticed_at: "2026-12-03T14:00:20.000Z",
      pre_down: { status: "done", exit_code: 0 },
    });
    const polls = imds.gets.length;
    await clock.advance(60_000);
    await settle();
    expect(imds.gets.length).toBe(polls);
  });

  it("asks for a new token when IMDS refuses the old one, and before it expires", async () => {
    const imds = await fakeImds();
    const { w, clock } = watcher(imds);
    expect(await w.poll()).toBeUndefined();
    imds.revoked.add("token-1");
    expect(await w.poll()).toBeUndefined();
    expect(imds.tokens).toEqual(["token-1", "token-2"]);
    await clock.advance((21_600 - 59) * 1000);
    expect(await w.poll()).toBeUndefined();
    expect(imds.tokens).toEqual(["token-1", "token-2", "token-3"]);
  });

  it("a failing or slow pre_down is reported as failed; a machine without one says none", async () => {
    const imds = await fakeImds();
    const notice = { action: "terminate" as const, time: "2026-12-03T14:00:05Z" };
    const slow = watcher(imds, { runPreDown: async () => ({ exit_code: 137, timed_out: true }) });
    await slow.w.handle(notice);
    // The notice came late: the hook still gets its minimum of 10 s.
    expect(slow.warnings.at(-1)).toBe("spuff: the pre_down hook failed (exit 137).");
    expect(slow.w.report()?.pre_down).toEqual({
      status: "failed",
      exit_code: 137,
      detail: "timed out after 10 s",
    });
    const none = watcher(imds, { runPreDown: async () => undefined });
    await none.w.handle(notice);
    expect(none.w.report()?.pre_down).toEqual({ status: "none", exit_code: null });
    expect(none.warnings).toHaveLength(1);
    const broken = watcher(imds, {
      runPreDown: async () => {
        throw new Error("no dev user");
      },
      warn: async () => {
        throw new Error("wall: not found");
      },
    });
    await broken.w.handle(notice);
    expect(broken.w.report()?.pre_down).toEqual({ status: "failed", exit_code: null, detail: "no dev user" });
  });

  it("ignores what AWS would never send: nothing reaches the users' terminals", async () => {
    const imds = await fakeImds();
    const hostile = [
      JSON.stringify({ action: "terminate", time: "2026-12-03T14:02:00Z\u001b]0;pwned\u0007" }),
      JSON.stringify({ action: "rm -rf /", time: "2026-12-03T14:02:00Z" }),
      JSON.stringify({ action: "terminate", time: "tomorrow" }),
      JSON.stringify([{ action: "terminate", time: "2026-12-03T14:02:00Z" }]),
      JSON.stringify({ action: "terminate", time: "2026-12-03T14:02:00Z", pad: "x".repeat(5000) }),
      "not json",
    ];
    for (const body of hostile) {
      imds.notice = { status: 200, body };
      const { w, warnings, budgets } = watcher(imds);
      await expect(w.poll()).rejects.toThrow(/not a notice/);
      expect(warnings).toEqual([]);
      expect(budgets).toEqual([]);
      expect(w.report()).toBeNull();
    }
    expect(parseNotice(JSON.stringify({ action: "stop", time: "2026-12-03T14:02:00Z" }))).toEqual({
      action: "stop",
      time: "2026-12-03T14:02:00Z",
    });
  });

  it("follows no redirect (the token could be led elsewhere)", async () => {
    const imds = await fakeImds();
    imds.notice = { status: 302, body: "", headers: { location: "http://127.0.0.1:9/steal" } };
    const { w } = watcher(imds);
    await expect(w.poll()).rejects.toThrow();
  });

  it("talks only to https, AWS's link-local IMDS or loopback", () => {
    for (const ok of [
      "http://169.254.169.254",
      "http://[fd00:ec2::254]",
      "https://imds.example.com",
      "http://127.0.0.1:8788",
      "http://10.0.2.2:8788",
    ])
      expect(imdsUrlAllowed(ok), ok).toBe(true);
    for (const bad of [
      "http://169.254.169.254.evil.example",
      "http://evil.example",
      "http://user:pw@169.254.169.254",
      "http://169.254.169.254:8080",
      "file:///etc/passwd",
      "ftp://169.254.169.254",
      "not a url",
    ])
      expect(imdsUrlAllowed(bad), bad).toBe(false);
    expect(() =>
      createSpotWatcher({
        baseUrl: "http://metadata.evil.example",
        clock: new FakeClock(),
        fetch,
        warn: async () => {},
        runPreDown: async () => undefined,
      }),
    ).toThrow(/refusing the metadata URL/);
  });
});
