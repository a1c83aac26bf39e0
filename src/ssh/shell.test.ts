import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { sshdConnectOptions, useSshdConnection } from "../../test/helpers/sshd.ts";
import { connect } from "./connect.ts";
import { SshError } from "./errors.ts";
import { shell } from "./shell.ts";

const fx = useSshdConnection();

/** A fake terminal: PassThrough streams with the TTY bits shell() looks at. */
function fakeTerminal(rows: number, columns: number) {
  const rawCalls: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode: (raw: boolean) => rawCalls.push(raw),
  });
  const stdout = Object.assign(new PassThrough(), { rows, columns });
  const stderr = new PassThrough();
  let text = "";
  stdout.on("data", (d: Buffer) => (text += d.toString("utf8")));
  /** Resolve once the accumulated output matches, bounded in time. */
  const waitFor = async (re: RegExp, ms = 8000) => {
    const deadline = Date.now() + ms;
    while (!re.test(text)) {
      if (Date.now() > deadline) throw new Error(`output never matched ${re}:\n${text}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { stdin, stdout, stderr, rawCalls, waitFor, output: () => text };
}

describe("shell", () => {
  it("runs a PTY session, forwards a resize and returns the remote exit code", async () => {
    const t = fakeTerminal(33, 101);
    const done = shell(fx.conn, { ...t, term: "xterm-256color" });
    // The markers are computed remotely, so the echoed command line itself cannot match.
    t.stdin.write("echo T=$TERM; echo S=$(stty size)-$((40+2))\n");
    await t.waitFor(/S=33 101-42/);
    expect(t.output()).toMatch(/T=xterm-256color/);
    t.stdout.rows = 50;
    t.stdout.columns = 132;
    t.stdout.emit("resize");
    t.stdin.write("echo S=$(stty size)-$((40+3))\n");
    await t.waitFor(/S=50 132-43/);
    t.stdin.write("exit 7\n");
    expect(await done).toBe(7);
    // Raw mode was switched on for the session and restored afterwards.
    expect(t.rawCalls).toEqual([true, false]);
    expect(t.stdout.listenerCount("resize")).toBe(0);
    expect(t.stdin.listenerCount("data")).toBe(0);
  });

  it("restores the terminal when the connection drops mid-session", async () => {
    const t = fakeTerminal(24, 80);
    const doomed = await connect(sshdConnectOptions(fx.sshd));
    const done = shell(doomed, t).then(
      (code) => code,
      (err: unknown) => err,
    );
    t.stdin.write("echo up-$((1+1))\n");
    await t.waitFor(/up-2/);
    expect(t.rawCalls).toEqual([true]);
    doomed.client.destroy();
    const result = await done;
    // Either the channel closes without an exit status (255, like OpenSSH) or the loss is reported.
    expect(result === 255 || result instanceof SshError).toBe(true);
    expect(t.rawCalls).toEqual([true, false]);
    expect(t.stdin.listenerCount("data")).toBe(0);
  });

  it("leaves a non-TTY stdin alone", async () => {
    const t = fakeTerminal(24, 80);
    const stdin = new PassThrough();
    const done = shell(fx.conn, { stdin, stdout: t.stdout, stderr: t.stderr });
    stdin.write("exit 0\n");
    expect(await done).toBe(0);
    expect(t.rawCalls).toEqual([]);
  });
});
