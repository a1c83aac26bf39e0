/** JSON responses and the one error type handlers throw; the agent's error body is always {"error": "..."}. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/**
 * What a handler answers. serve.ts writes it straight to node:http (building a fetch Response and
 * reading it back cost more than /metrics itself); `toResponse` makes one for agent.fetch.
 */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The part of a fetch Request the agent reads. A Request has this shape; serve.ts passes a plain
 * object over the node:http message instead of constructing one per request.
 */
export interface AgentRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}

export function json(body: unknown, status = 200): Reply {
  return {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
    body: JSON.stringify(body),
  };
}

export function errorResponse(status: number, message: string): Reply {
  return json({ error: message }, status);
}

export function toResponse(r: Reply): Response {
  return new Response(r.body, { status: r.status, headers: r.headers });
}

/** Largest request body accepted, in bytes: every agent request is a small JSON object. */
export const BODY_LIMIT = 64 * 1024;

/** Reads a JSON object body, enforcing the size limit (the socket shim enforces it again while streaming). */
export async function readJsonObject(req: AgentRequest): Promise<Record<string, unknown>> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > BODY_LIMIT) throw new HttpError(413, "request body too large");
  const buf = await req.arrayBuffer();
  if (buf.byteLength > BODY_LIMIT) throw new HttpError(413, "request body too large");
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(buf));
  } catch {
    throw new HttpError(400, "invalid JSON body");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "body must be a JSON object");
  }
  return value as Record<string, unknown>;
}
