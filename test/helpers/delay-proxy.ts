/**
 * A loopback HTTP proxy in front of a simulator that holds chosen responses back after the
 * simulator has acted: the cloud created the droplet, the client has not heard yet. That is the
 * window a crash or Ctrl-C during `create` lands in, widened so tests can hit it on purpose.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface DelayProxy {
  url: string;
  /** Delay (ms) for the next matching responses; consumed in order, 0 when empty. */
  delays: number[];
  close(): Promise<void>;
}

export async function startDelayProxy(
  target: string,
  matches: (method: string, path: string) => boolean,
): Promise<DelayProxy> {
  const base = new URL(target);
  const proxy: DelayProxy = { url: "", delays: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const hold = matches(req.method ?? "GET", new URL(req.url ?? "/", base).pathname)
      ? (proxy.delays.shift() ?? 0)
      : 0;
    const upstream = http.request(
      { host: base.hostname, port: base.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        const chunks: Buffer[] = [];
        up.on("data", (c: Buffer) => chunks.push(c));
        up.on("end", () => {
          const timer = setTimeout(() => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(Buffer.concat(chunks));
          }, hold);
          res.on("close", () => clearTimeout(timer));
        });
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
