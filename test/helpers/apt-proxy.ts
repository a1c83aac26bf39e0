/**
 * A forward HTTP proxy on the host's 127.0.0.1 for machines behind the simulators (they reach the
 * host's loopback and nothing else): it relays plain-HTTP GETs to Debian's mirror only, so a
 * guest's apt can install packages as on a cloud VM. Anything else gets 403.
 */
import http from "node:http";
import type net from "node:net";

const ALLOWED_HOSTS = new Set(["deb.debian.org", "security.debian.org"]);

export interface AptProxy {
  port: number;
  /** URLs fetched, for assertions. */
  fetched: string[];
  close(): Promise<void>;
}

export async function startAptProxy(): Promise<AptProxy> {
  const fetched: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (req.method !== "GET" || url.protocol !== "http:" || !ALLOWED_HOSTS.has(url.hostname)) {
      res.writeHead(403).end();
      return;
    }
    fetched.push(url.href);
    const up = http.get(
      url,
      { headers: { "user-agent": req.headers["user-agent"] ?? "apt" }, timeout: 60_000 },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("timeout", () => up.destroy(new Error("upstream timeout")));
    up.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    fetched,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
