/** Conversions between node:http messages and the agent's request/reply for the serve() shim. */
import type http from "node:http";
import type { Socket } from "node:net";
import type { AgentRequest, Reply } from "./http.ts";

/**
 * The node:http message as an AgentRequest. Headers are node's already-parsed, lower-cased ones
 * (repeated headers joined with ", ", as Headers.get does).
 */
export function toAgentRequest(req: http.IncomingMessage, url: string, body: Buffer): AgentRequest {
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return {
    method: req.method ?? "GET",
    url: `http://127.0.0.1${url}`,
    headers: {
      get(name) {
        const v = req.headers[name.toLowerCase()];
        if (v === undefined) return null;
        return Array.isArray(v) ? v.join(", ") : v;
      },
    },
    arrayBuffer: async () => {
      const b = hasBody ? body : Buffer.alloc(0);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
  };
}

export function writeReply(res: http.ServerResponse, r: Reply): void {
  res.writeHead(r.status, { ...r.headers, "content-length": Buffer.byteLength(r.body) });
  res.end(r.body);
}

export function sendError(res: http.ServerResponse, status: number, error: string, close = false): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { "content-type": "application/json", ...(close ? { connection: "close" } : {}) });
  res.end(JSON.stringify({ error }));
}

/** Malformed HTTP and header/request timeouts: answer if the socket still can, then drop it. */
export function onClientError(_err: Error, socket: Socket): void {
  const body = '{"error":"bad request"}';
  if (!socket.writable) return void socket.destroy();
  // Destroy once written: a client that never reads or closes must not hold the descriptor.
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
