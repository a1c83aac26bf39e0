/**
 * The simulator frame: a real node:http server on loopback that runs one provider's handler
 * behind fault injection and spec validation. Provider sims only supply `handler` + `errorBody`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { systemClock } from "../core/clock.ts";
import type { MachineBackend } from "./backend.ts";
import { FaultInjector } from "./faults.ts";
import type { SpecValidator } from "./spec-validator.ts";

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: http.IncomingHttpHeaders;
  /** The caller's address: machines leave from their own 127.0.0.N (see SlirpOptions). */
  remote: string;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Work done once the response is on the wire (a machine deleting itself must hear its 204
   * before its network goes away, as from the real API); `close()` waits for it.
   */
  afterSend?: () => Promise<void>;
}

/** How bodies look on the wire. The default is JSON both ways (a body that is not JSON stays a string). */
export interface SimCodec {
  decode(raw: string, headers: http.IncomingHttpHeaders): unknown;
  encode(body: unknown): { text: string; contentType: string };
  /**
   * What fault scripts and the request log call this request instead of its URL path: EC2 sends
   * every call to "/", so its codec names the Action.
   */
  label?(body: unknown): string | undefined;
}

/** What the frame asks of a traffic validator (SpecValidator for OpenAPI; the EC2 model checker). */
export type TrafficValidator = Pick<SpecValidator, "checkRequest" | "checkResponse">;

export interface SimServerOptions {
  handler: (req: SimRequest) => Promise<SimResponse>;
  /** Provider-shaped error body for statuses the frame produces itself (429, 500, 400). */
  errorBody: (status: number, message: string) => unknown;
  /** Headers added to every response (e.g. rate-limit headers). */
  headers?: () => Record<string, string>;
  faults?: FaultInjector;
  validator?: TrafficValidator;
  /** Wire format (EC2 speaks form-encoded requests and XML responses). Default: JSON. */
  codec?: SimCodec;
  /**
   * The provider's own shape for an injected "429"/"500" (EC2 throttles with a 503
   * RequestLimitExceeded). Default: that status with `errorBody`, and `retry-after: 0` on a 429.
   */
  faultResponse?: (fault: "429" | "500") => SimResponse;
  /** Answer requests that violate the spec with 400 (they are recorded either way). */
  strict?: boolean;
  port?: number;
  /** Closed after the server by `close()`: no machine the simulator booted outlives it. */
  backend?: MachineBackend;
}

export interface SimServer {
  url: string;
  /** Every request that reached the server, with the status sent (0 = connection dropped). */
  readonly requests: { method: string; path: string; status: number; remote: string }[];
  close(): Promise<void>;
}

export async function startSimServer(o: SimServerOptions): Promise<SimServer> {
  const faults = o.faults ?? new FaultInjector();
  const requests: SimServer["requests"] = [];
  const codec = o.codec ?? JSON_CODEC;
  const pending = new Set<Promise<void>>();

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://sim");
    const remote = req.socket.remoteAddress ?? "";
    const entry = { method: req.method ?? "GET", path: url.pathname, status: 0, remote };
    requests.push(entry);
    const raw = await readBody(req);
    const body = codec.decode(raw, req.headers);
    entry.path = codec.label?.(body) ?? entry.path;
    const send = (r: SimResponse) => {
      if (o.validator) o.validator.checkResponse(entry.method, entry.path, r.status, r.body);
      entry.status = r.status;
      const encoded = r.body === undefined ? undefined : codec.encode(r.body);
      const text = encoded?.text ?? "";
      res.writeHead(r.status, {
        ...(encoded ? { "content-type": encoded.contentType } : {}),
        ...o.headers?.(),
        ...r.headers,
      });
      res.end(text, () => {
        if (!r.afterSend) return;
        const p = r.afterSend().catch(() => {});
        pending.add(p);
        void p.finally(() => pending.delete(p));
      });
    };
    const problems = o.validator?.checkRequest(entry.method, entry.path, url.searchParams, body) ?? [];
    if (o.strict && problems.length > 0) {
      send({ status: 400, body: o.errorBody(400, problems.map((p) => p.message).join("; ")) });
      return;
    }
    const fault = faults.decide(entry.method, entry.path);
    if (fault === "reset") return void req.socket.destroy();
    if ((fault === "429" || fault === "500") && o.faultResponse) return send(o.faultResponse(fault));
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
        remote,
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
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await Promise.all(pending);
      await o.backend?.close();
    },
  };
}

const JSON_CODEC: SimCodec = {
  decode(raw) {
    try {
      return raw ? JSON.parse(raw) : undefined;
    } catch {
      return raw;
    }
  },
  encode: (body) => ({ text: JSON.stringify(body), contentType: "application/json; charset=utf-8" }),
};

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
