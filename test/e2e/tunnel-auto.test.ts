/**
 * `spuff tunnel --auto` on a real local machine (nspawn), the bundled binary as a user runs it:
 * once the tunnel follows, `python3 -m http.server 8123` started as the dev user is reachable
 * locally within 2 s (the figure is printed); killed, its forward goes and the local port refuses.
 * Then every sshd session of the dev user is killed on the machine: the tunnel reconnects and a
 * forwarded port answers again on the same local port. Ctrl-C ends it with exit 0.
 */
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { initJourney, newJourney } from "../helpers/journey.ts";
import { removeDataDirs, runMachineSuites } from "../helpers/machines.ts";
import { type SpuffProcess, startSpuff } from "../helpers/spuff-process.ts";

type Event = Record<string, unknown> & { event: string };

const parse = (line: string): Event | undefined => {
  try {
    return JSON.parse(line) as Event;
  } catch {
    return undefined;
  }
};
const is =
  (pred: (e: Event) => boolean) =>
  (line: string): boolean => {
    const e = parse(line);
    return e !== undefined && pred(e);
  };

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.on("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
  });

/** Polls the local port every 20 ms until it serves `marker` (bounded); ms it took from `since`. */
async function reachable(port: number, marker: string, since: number, ms = 10_000): Promise<number> {
  for (let i = 0; Date.now() - since < ms && i < 1000; i++) {
    const body = await fetch(`http://127.0.0.1:${port}/marker.txt`, {
      signal: AbortSignal.timeout(2_000),
    }).then(
      (r) => (r.ok ? r.text() : ""),
      () => "",
    );
    if (body === `${marker}\n`) return Date.now() - since;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`127.0.0.1:${port} did not serve ${marker} within ${ms} ms`);
}

/** A detached `python3 -m http.server PORT` as the dev user, serving a marker file. */
const serveCommand = (port: number, marker: string) =>
  `mkdir -p /tmp/www${port} && echo ${marker} > /tmp/www${port}/marker.txt && cd /tmp/www${port} && ` +
  `setsid nohup python3 -m http.server ${port} >/tmp/www${port}.log 2>&1 </dev/null &`;

describe.runIf(runMachineSuites)("spuff tunnel --auto on a real machine", () => {
  const dirs: string[] = [];
  afterAll(() => removeDataDirs(dirs));

  it("forwards a server as it starts, drops it when killed, reconnects after a server-side kill", async () => {
    const j = newJourney("tunnel-auto");
    dirs.push(j.dir);
    await initJourney(j, "local");
    const name = "auto-tun";
    const up = await j.run(["up", name, "--no-connect", "--json"], 300_000);
    expect(up.code, up.stderr + up.stdout).toBe(0);

    const tunnel: SpuffProcess = startSpuff(["tunnel", name, "--auto", "--json"], {
      configDir: j.dir,
      env: j.env,
      timeoutMs: 240_000,
    });
    try {
      await tunnel.waitForLine(
        is((e) => e.event === "following"),
        60_000,
      );

      const started = await j.run(["exec", name, "--", "sh", "-c", serveCommand(8123, "auto-8123")]);
      expect(started.code, started.stderr).toBe(0);
      const t0 = Date.now();
      const fwd = parse(
        await tunnel.waitForLine(
          is((e) => e.event === "forward" && e.remote === 8123),
          10_000,
        ),
      );
      const forwardMs = Date.now() - t0;
      expect(fwd).toMatchObject({ name, source: "auto", local_host: "127.0.0.1", command: "python3" });
      const local = fwd?.local as number;
      const reachMs = await reachable(local, "auto-8123", t0);
      console.log(
        `tunnel --auto: http.server 8123 forwarded ${forwardMs} ms and reachable on 127.0.0.1:${local} ${reachMs} ms after \`spuff exec\` started it`,
      );
      expect(reachMs).toBeLessThan(2_000);

      const killed = await j.run(["exec", name, "--", "pkill", "-f", "http.server 8123"]);
      expect(killed.code, killed.stderr).toBe(0);
      const t1 = Date.now();
      const drop = parse(
        await tunnel.waitForLine(
          is((e) => e.event === "drop" && e.remote === 8123),
          10_000,
        ),
      );
      console.log(
        `tunnel --auto: the forward of 8123 dropped ${Date.now() - t1} ms after the server was killed`,
      );
      expect(drop).toEqual({ event: "drop", name, remote: 8123, local, local_host: "127.0.0.1" });
      expect(await refused(local)).toBe(true);

      // A server to carry across the reconnect.
      expect((await j.run(["exec", name, "--", "sh", "-c", serveCommand(8124, "auto-8124")])).code).toBe(0);
      const kept = parse(
        await tunnel.waitForLine(
          is((e) => e.event === "forward" && e.remote === 8124),
          10_000,
        ),
      );
      const keptLocal = kept?.local as number;
      await reachable(keptLocal, "auto-8124", Date.now());
      // Server side: a root process on the machine kills every sshd of the dev user a moment after
      // this exec has returned (its own connection is one of them).
      const user = (await j.run(["exec", name, "--", "id", "-un"])).stdout.trim();
      expect(user).toMatch(/^[a-z_][a-z0-9_-]*$/);
      const cut = await j.run([
        "exec",
        name,
        "--",
        "sudo",
        "-n",
        "sh",
        "-c",
        `setsid nohup sh -c 'sleep 1; pkill -KILL -f "^sshd: ${user}"' >/dev/null 2>&1 </dev/null &`,
      ]);
      expect(cut.code, cut.stderr).toBe(0);
      const lost = parse(
        await tunnel.waitForLine(
          is((e) => e.event === "reconnecting"),
          20_000,
        ),
      );
      expect(lost).toMatchObject({ name, attempt: 1, of: 6, delay_ms: 1000 });
      const t2 = Date.now();
      await tunnel.waitForLine(
        is((e) => e.event === "reconnected"),
        60_000,
      );
      const backMs = await reachable(keptLocal, "auto-8124", t2, 30_000);
      console.log(
        `tunnel --auto: reconnected; 127.0.0.1:${keptLocal} answered again ${backMs} ms after the drop was seen`,
      );
    } finally {
      tunnel.child.kill("SIGINT");
    }
    const end = await tunnel.done;
    expect(end.code, end.stderr).toBe(0);
    // One line per change: 8124 was forwarded once and came back on the same local port.
    const events = end.stdout.split("\n").flatMap((l) => parse(l) ?? []);
    expect(events.filter((e) => e.remote === 8124).map((e) => e.event)).toEqual(["forward"]);
    // Root's listeners on the machine (sshd, the agent) are never the dev user's to follow.
    expect(events.filter((e) => e.remote === 22 || e.remote === 7575)).toEqual([]);
    const down = await j.run(["down", name, "--yes"], 180_000);
    expect(down.code, down.stderr).toBe(0);
  }, 500_000);
});
