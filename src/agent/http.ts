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

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

export function errorResponse(status: number, message: string): Response {
  return json({ error: message }, status);
}

/** Largest request body accepted, in bytes: every agent request is a small JSON object. */
export const BODY_LIMIT = 64 * 1024;

/** Reads a JSON object body, enforcing the size limit (the socket shim enforces it again while streaming). */
export async function readJsonObject(req: Request): Promise<Record<string, unknown>> {
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
