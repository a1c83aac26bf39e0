/**
 * What the guest can reach on the host. Measured with a real slirp4netns in a network namespace
 * this test creates: by default (local machines) 10.0.2.2 is refused; with `hostLoopbackFrom`
 * (the simulator's machine backend) it reaches the host's 127.0.0.1, and the connection arrives
 * from the machine's own loopback address, which is how the simulators tell machines apart.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostCanRunMachines } from "../../test/helpers/machines.ts";
import { forwardSsh, HOST_FROM_GUEST, slirpNetworkArgs } from "./slirp.ts";

describe("slirpNetworkArgs", () => {
  it("local machines: host loopback disabled", () => {
    expect(slirpNetworkArgs()).toEqual(["--disable-host-loopback"]);
  });
  it("simulator machines: outbound traffic leaves from the machine's 127.0.0.N", () => {
    expect(slirpNetworkArgs({ hostLoopbackFrom: "127.0.0.9" })).toEqual(["--outbound-addr=127.0.0.9"]);
  });
  it("refuses an outbound address outside loopback", () => {
    expect(() => slirpNetworkArgs({ hostLoopbackFrom: "10.1.2.3" })).toThrow(/not on loopback/);
    expect(() => slirpNetworkArgs({ hostLoopbackFrom: "127.0.0.9; rm -rf /" })).toThrow(/not on loopback/);
  });
});

describe("forwardSsh", () => {
  /**
   * A socket file in the state slirp4netns is in between bind() and listen(): the file is there,
   * connect() is refused. (Node cannot bind without listening; python3 can.)
   */
  function boundNotListening(): { dir: string; sock: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-slirpapi-"));
    const sock = path.join(dir, "slirp.sock");
    execFileSync("python3", [
      "-c",
      "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
      sock,
    ]);
    return { dir, sock };
  }

  it("retries a socket file that exists but does not accept yet (bound, not listening)", async () => {
    const { dir, sock } = boundNotListening();
    const requests: string[] = [];
    const api = net.createServer((c) => {
      let body = "";
      c.on("data", (d) => (body += d));
      c.on("end", () => {
        requests.push(body);
        c.end('{"return": {"id": 1}}');
      });
    });
    const later = setTimeout(() => {
      fs.unlinkSync(sock);
      api.listen(sock);
    }, 300);
    try {
      await forwardSsh(sock, "127.0.0.9", undefined, 5000);
      expect(requests.map((r) => JSON.parse(r))).toEqual([
        {
          execute: "add_hostfwd",
          arguments: {
            proto: "tcp",
            host_addr: "127.0.0.9",
            host_port: 22,
            guest_addr: "10.0.2.15",
            guest_port: 22,
          },
        },
      ]);
    } finally {
      clearTimeout(later);
      await new Promise((r) => api.close(r));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives up at its deadline when nothing ever listens", async () => {
    const { dir, sock } = boundNotListening();
    try {
      await expect(forwardSsh(sock, "127.0.0.9", undefined, 300)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(hostCanRunMachines())("slirp4netns in a test namespace", () => {
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => res.end(req.socket.remoteAddress));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** Starts slirp4netns with `args` for a fresh namespace, runs one GET from inside it. */
  async function fromGuest(args: string[]): Promise<string> {
    const ns = `spuff-slirptest-${randomBytes(3).toString("hex")}`;
    execFileSync("ip", ["netns", "add", ns]);
    const slirp = spawn("slirp4netns", ["-c", ...args, "--netns-type=path", `/run/netns/${ns}`, "tap0"], {
      stdio: "ignore",
    });
    try {
      // -c configures tap0 inside; poll (bounded) until the guest has its default route.
      let routed = false;
      for (let i = 0; i < 50 && !routed; i++) {
        const out = execFileSync("ip", ["netns", "exec", ns, "ip", "-4", "route", "show", "default"], {
          encoding: "utf8",
        });
        routed = out.includes(HOST_FROM_GUEST);
        if (!routed) await new Promise((r) => setTimeout(r, 100));
      }
      if (!routed) throw new Error("slirp4netns did not configure the namespace");
      const script = `require("http").get("http://${HOST_FROM_GUEST}:${port}/",r=>{let b="";r.on("data",c=>b+=c);r.on("end",()=>console.log("ok "+b))}).on("error",e=>console.log("error "+e.code)).setTimeout(3000,function(){this.destroy(new Error("timeout"))})`;
      return await new Promise<string>((resolve) => {
        const c = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", script], { stdio: "pipe" });
        let out = "";
        c.stdout.on("data", (d) => (out += d));
        c.on("close", () => resolve(out.trim()));
      });
    } finally {
      slirp.kill();
      await new Promise((r) => slirp.once("close", r));
      execFileSync("ip", ["netns", "del", ns]);
    }
  }

  it("default flags: the guest cannot reach the host's 127.0.0.1", async () => {
    // slirp answers the connection attempt with "network unreachable" (the route itself is up).
    expect(await fromGuest(slirpNetworkArgs())).toBe("error ENETUNREACH");
  }, 20_000);

  it("hostLoopbackFrom: reaches 127.0.0.1, arriving from the machine's own address", async () => {
    expect(await fromGuest(slirpNetworkArgs({ hostLoopbackFrom: "127.0.0.77" }))).toBe("ok 127.0.0.77");
  }, 20_000);
});
