/**
 * node:http → agent.reply shim. Loopback only, small timeouts against slowloris, the body limit
 * enforced while streaming (before anything is buffered), and every failure answered as JSON.
 */
import http from "node:http";
import type { Agent } from "./agent.ts";
import { BODY_LIMIT } from "./http.ts";
import { onClientError, sendError, toAgentRequest, writeReply } from "./node-request.ts";

export interface ServeOptions {
  port: number;
  onError?: (err: unknown) => void;
}

export function serve(agent: Agent, opts: ServeOptions): http.Server {
  const handler: http.RequestListener = (req, res) => {
    const url = req.url ?? "";
    if (!url.startsWith("/")) return sendError(res, 400, "bad request target", true);
    if (Number(req.headers["content-length"] ?? 0) > BODY_LIMIT) {
      return sendError(res, 413, "request body too large", true);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= BODY_LIMIT) return void chunks.push(c);
      if (res.headersSent) return;
      req.pause();
      sendError(res, 413, "request body too large", true);
      res.on("finish", () => req.destroy());
    });
    req.on("error", () => res.destroy());
    req.on("end", async () => {
      if (size > BODY_LIMIT) return;
      try {
        writeReply(res, await agent.reply(toAgentRequest(req, url, Buffer.concat(chunks))));
      } catch (err) {
        opts.onError?.(err);
        const bad = err instanceof TypeError; // URL() refused the request target
        sendError(res, bad ? 400 : 500, bad ? "bad request" : "internal error");
      }
    });
  };
  // connectionsCheckingInterval: how often headersTimeout/requestTimeout are enforced (default 30 s).
  const server = http.createServer({ maxHeaderSize: 16 * 1024, connectionsCheckingInterval: 1_000 }, handler);
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  server.on("clientError", onClientError);
  server.listen(opts.port, "127.0.0.1");
  return server;
}
