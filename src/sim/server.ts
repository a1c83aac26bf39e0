/**
 * The simulator frame: a real node:http server on loopback that runs one provider's handler
 * behind fault injection and spec validation. Provider sims only supply `handler` + `errorBody`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { systemClock } from "../core/clock.ts";
import { FaultInjector } from "./faults.ts";
import type { SpecValidator } from "./spec-validator.ts";

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SimServerOptions {
  handler: (req: SimRequest) => Promise<SimResponse>;
  /** Provider-shaped error body for statuses the frame produces itself (429, 500, 400). */
  errorBody: (status: number, message: string) => unknown;
  /** Headers added to every response (e.g. rate-limit headers). */
  headers?: () => Record<string, string>;
  faults?: FaultInjector;
  validator?: SpecValidator;
  /** Answer requests that violate the spec with 400 (they are recorded either way). */
  strict?: boolean;
  port?: number;
}

export interface SimServer {
  url: string;
  /** Every request that reached the server, with the status sent (0 = connection dropped). */
  readonly requests: { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

export async function startSimServer(o: SimServerOptions): Promise<SimServer> {
  const faults = o.faults ?? new FaultInjector();
  const requests: SimServer["requests"] = [];

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://sim");
    const entry = { method: req.method ?? "GET", path: url.pathname, status: 0 };
    requests.push(entry);
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const send = (r: SimResponse) => {
      if (o.validator) o.validator.checkResponse(entry.method, entry.path, r.status, r.body);
      entry.status = r.status;
      const text = r.body === undefined ? "" : JSON.stringify(r.body);
      res.writeHead(r.status, {
        ...(text ? { "content-type": "application/json; charset=utf-8" } : {}),
        ...o.headers?.(),
        ...r.headers,
      });
      res.end(text);
    };
    const problems = o.validator?.checkRequest(entry.method, entry.path, url.searchParams, body) ?? [];
    if (o.strict && problems.length > 0) {
      send({ status: 400, body: o.errorBody(400, problems.map((p) => p.message).join("; ")) });
      return;
    }
    const fault = faults.decide(entry.method, entry.path);
    if (fault === "reset") return void req.socket.destroy();
    if (fault === "429")
      return send({
        status: 429,
        body: o.errorBody(429, "API Rate limit exceeded."),
        headers: { "retry-after": "0" },
      });
    if (fault === "500")
      return send({ status: 500, body: o.errorBody(500, "Server was unable to give you a response.") });
    if (fault === "slow") await systemClock.sleep(faults.slowMs);
    let out: SimResponse;
    try {
      out = await o.handler({
        method: entry.method,
        path: entry.path,
        query: url.searchParams,
        body,
        headers: req.headers,
      });
    } catch (err) {
      out = { status: 500, body: o.errorBody(500, String(err)) };
    }
    // The server acted, but the client never hears about it: the lost-response case.
    if (fault === "reset-after") return void req.socket.destroy();
    send(out);
  });

  await new Promise<void>((resolve) => server.listen(o.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      s += c;
    });
    req.on("end", () => resolve(s));
    req.on("error", reject);
  });
}
