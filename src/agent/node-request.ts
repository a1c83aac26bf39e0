/** Conversions between node:http messages and fetch Request/Response for the serve() shim. */
import type http from "node:http";
import type { Socket } from "node:net";

/** Builds a fetch Request; throws TypeError for methods/headers fetch refuses (answered as 400). */
export function toRequest(req: http.IncomingMessage, url: string, body: Buffer): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(`http://127.0.0.1${url}`, {
    method: req.method ?? "GET",
    headers,
    ...(hasBody ? { body } : {}),
  });
}

export async function writeResponse(res: http.ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(body);
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
