/**
 * GET /ports' lister: a fake /proc (every row and link written by the test) for the parsing,
 * ownership and hostile names; then this host's real /proc with listeners the test starts, one of
 * them (when the test runs as root) under another uid with a name full of control characters.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createPortLister, formatAddress, ownedBy, parseListening } from "./ports.ts";

const HEAD =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
const row = (addr: string, port: number, st: string, inode: number, uid = 1000) =>
  `   0: ${addr}:${port.toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 ${st} 00000000:00000000 00:00000000 00000000  ${uid}        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;

const V6_ANY = "0".repeat(32);
const V6_LOOP = "00000000000000000000000001000000";
const V6_MAPPED = "0000000000000000FFFF00000100007F";

describe("formatAddress / parseListening / ownedBy", () => {
  it("reads the kernel's host-order words", () => {
    expect(formatAddress("0100007F")).toBe("127.0.0.1");
    expect(formatAddress("00000000")).toBe("0.0.0.0");
    expect(formatAddress(V6_ANY)).toBe("::");
    expect(formatAddress(V6_LOOP)).toBe("::1");
    expect(formatAddress(V6_MAPPED)).toBe("::ffff:127.0.0.1");
    expect(formatAddress("B80D0120000000000000000001000000")).toBe("2001:db8::1");
    expect(formatAddress("0100007")).toBeUndefined();
    expect(formatAddress("0100007G")).toBeUndefined();
  });

  it("keeps LISTEN rows only, by inode; malformed rows are skipped", () => {
    const text = `${HEAD}${row("0100007F", 8080, "0A", 11)}${row("0100007F", 8081, "01", 12)}   1: garbage\n${row("0100007F", 0, "0A", 13)}`;
    expect([...parseListening(text)]).toEqual([["11", { port: 8080, address: "127.0.0.1", uid: 1000 }]]);
  });

  it("owned only when real, effective, saved and filesystem uids are all the dev user's", () => {
    expect(ownedBy("Name:\tx\nUid:\t1000\t1000\t1000\t1000\nGid:\t1\n", 1000)).toBe(true);
    expect(ownedBy("Uid:\t1000\t0\t1000\t1000\n", 1000)).toBe(false); // setuid root
    expect(ownedBy("Uid:\t0\t1000\t0\t1000\n", 1000)).toBe(false); // root acting as the dev user
    expect(ownedBy("Uid:\t1000\n", 1000)).toBe(false);
    expect(ownedBy("", 1000)).toBe(false);
  });
});

describe("createPortLister on a fake /proc", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-fakeproc-"));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const HOSTILE = 'a"b\u001b]0;x\u0007\n\\c';

  function proc(pid: number, uids: string, comm: string, sockets: number[], extra: string[] = []): void {
    const dir = path.join(root, String(pid));
    fs.mkdirSync(path.join(dir, "fd"), { recursive: true });
    fs.writeFileSync(path.join(dir, "status"), `Name:\tx\nUid:\t${uids}\nGid:\t0\t0\t0\t0\n`);
    fs.writeFileSync(path.join(dir, "comm"), `${comm}\n`);
    const targets = [...sockets.map((i) => `socket:[${i}]`), ...extra];
    for (const [fd, target] of targets.entries()) fs.symlinkSync(target, path.join(dir, "fd", String(fd)));
  }

  fs.mkdirSync(path.join(root, "net"));
  fs.writeFileSync(
    path.join(root, "net", "tcp"),
    HEAD +
      row("0100007F", 8080, "0A", 101) +
      row("00000000", 22, "0A", 102, 0) +
      row("00000000", 9000, "0A", 103, 1001) +
      row("00000000", 80, "0A", 104, 0) + // root's, handed to a dev process
      row("00000000", 81, "0A", 105), // made by the dev user, held only by root now
  );
  fs.writeFileSync(
    path.join(root, "net", "tcp6"),
    HEAD + row(V6_ANY, 8123, "0A", 201) + row(V6_LOOP, 22, "0A", 202, 0) + row(V6_ANY, 5000, "01", 203),
  );
  proc(1, "0\t0\t0\t0", "systemd", [102, 202, 105]); // root's sshd-like listeners
  proc(120, "1000\t1000\t1000\t1000", HOSTILE, [101, 201], ["pipe:[7]", "/dev/null", "socket:[999]"]);
  proc(130, "1000\t1000\t1000\t1000", "worker", [101]); // a forked worker on the same socket
  proc(140, "1000\t0\t1000\t1000", "setuid", [103]); // euid root: not the dev's
  proc(150, "1001\t1001\t1001\t1001", "other", [103]); // another user
  proc(160, "1000\t1000\t1000\t1000", "client", [203]); // not a listener
  proc(180, "1000\t1000\t1000\t1000", "handed", [104]); // root's socket passed to a dev process
  fs.mkdirSync(path.join(root, "170")); // exited between readdir and read: no files at all

  it("reports the dev user's listeners once each, with the lowest pid and its raw name", async () => {
    expect(await createPortLister({ uid: 1000, procRoot: root })()).toEqual([
      { port: 8080, address: "127.0.0.1", pid: 120, command: HOSTILE },
      { port: 8123, address: "::", pid: 120, command: HOSTILE },
    ]);
  });

  it("never shows root's or another user's listeners to the dev user, and JSON carries names safely", async () => {
    const other = await createPortLister({ uid: 1001, procRoot: root })();
    expect(other).toEqual([{ port: 9000, address: "0.0.0.0", pid: 150, command: "other" }]);
    const wire = JSON.stringify(await createPortLister({ uid: 1000, procRoot: root })());
    expect(wire).not.toMatch(/[\u0000-\u001f]/);
    expect(JSON.parse(wire)[0].command).toBe(HOSTILE);
  });

  it("a second poll reuses the walk, but not once a named process is no longer the dev's", async () => {
    const list = createPortLister({ uid: 1000, procRoot: root });
    const first = await list();
    expect(await list()).toBe(first); // same sockets, same owners: the cached answer
    const status = path.join(root, "120", "status");
    const before = fs.readFileSync(status, "utf8");
    try {
      // pid 120 exited and the number went to a root process: its worker still holds 8080.
      fs.writeFileSync(status, "Name:\tx\nUid:\t0\t0\t0\t0\n");
      expect(await list()).toEqual([{ port: 8080, address: "127.0.0.1", pid: 130, command: "worker" }]);
    } finally {
      fs.writeFileSync(status, before);
    }
  });

  it("answers [] without a walk when nothing listens, and survives a missing /proc", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-fakeproc-empty-"));
    try {
      expect(await createPortLister({ uid: 1000, procRoot: empty })()).toEqual([]);
      expect(await createPortLister({ uid: 1000, procRoot: path.join(empty, "nope") })()).toEqual([]);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("createPortLister on this host's /proc", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill("SIGKILL");
  });

  it("finds a listener this test starts, with this process's pid", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const uid = process.getuid?.() as number;
      const mine = (await createPortLister({ uid })()).filter((p) => p.port === port);
      expect(mine).toEqual([{ port, address: "127.0.0.1", pid: process.pid, command: expect.any(String) }]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it.runIf(process.getuid?.() === 0)(
    "as root: nobody's listener with a hostile name is nobody's only; root's stay hidden",
    async () => {
      const own = net.createServer();
      await new Promise<void>((r) => own.listen(0, "127.0.0.1", () => r()));
      const ownPort = (own.address() as net.AddressInfo).port;
      // The child names itself (comm) with quotes, an escape sequence and a newline, then listens.
      const script = `require("fs").writeFileSync("/proc/self/comm", 'q"\\u001b[2J\\n\\'z');
        const s = require("net").createServer().listen(0, "::", () => console.log(s.address().port));`;
      const child = spawn(process.execPath, ["-e", script], { uid: 65534, gid: 65534, cwd: "/" });
      children.push(child);
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout?.once("data", (d: Buffer) => resolve(Number(String(d).trim())));
        child.once("exit", (code) => reject(new Error(`child exited ${code}`)));
      });
      try {
        const nobody = await createPortLister({ uid: 65534 })();
        expect(nobody.filter((p) => p.port === port)).toEqual([
          { port, address: "::", pid: child.pid, command: "q\"\u001b[2J\n'z" },
        ]);
        expect(nobody.map((p) => p.port)).not.toContain(ownPort);
        expect(nobody.every((p) => p.pid === child.pid)).toBe(true);
      } finally {
        await new Promise((r) => own.close(r));
      }
    },
  );
});
