/**
 * Checks a request's AWS Signature Version 4: the Authorization header's shape, the credential
 * scope (which also tells the simulator the request's region, as the endpoint does on real AWS)
 * and, when the secret is known, the signature itself. Replay windows are not checked: tests may
 * run the simulator on a fake clock while clients sign with real time.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type http from "node:http";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export type AuthResult =
  | { ok: true; accessKeyId: string; region: string }
  | { ok: false; status: number; code: string; message: string };

const HEADER_RE =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

const refuse = (status: number, code: string, message: string): AuthResult => ({
  ok: false,
  status,
  code,
  message,
});

/**
 * `path` and `query` are the request line's: EC2 clients POST to "/" with an empty query.
 * The signature check is skipped when `creds` is undefined (any well-formed signature passes).
 */
export function verifySigV4(
  headers: http.IncomingHttpHeaders,
  method: string,
  path: string,
  query: string,
  body: string,
  creds: Credentials | undefined,
): AuthResult {
  const auth = headers.authorization;
  if (!auth)
    return refuse(401, "AuthFailure", "AWS was not able to validate the provided access credentials");
  const m = HEADER_RE.exec(auth);
  if (!m)
    return refuse(
      400,
      "IncompleteSignature",
      "The Authorization header is not a well-formed AWS4-HMAC-SHA256 signature.",
    );
  const [, keyId = "", date = "", region = "", service = "", signed = "", signature = ""] = m;
  const amzDate = String(headers["x-amz-date"] ?? "");
  if (service !== "ec2")
    return refuse(
      400,
      "IncompleteSignature",
      `Credential should be scoped to service 'ec2', not '${service}'.`,
    );
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(date))
    return refuse(
      400,
      "IncompleteSignature",
      "X-Amz-Date is missing or does not match the credential scope date.",
    );
  const names = signed.split(";");
  if (!names.includes("host") || !names.includes("x-amz-date"))
    return refuse(400, "IncompleteSignature", "SignedHeaders must include host and x-amz-date.");
  if (!creds) return { ok: true, accessKeyId: keyId, region };
  if (keyId !== creds.accessKeyId)
    return refuse(401, "AuthFailure", "AWS was not able to validate the provided access credentials");

  const canonicalHeaders = names.map((n) => `${n}:${headerValue(headers[n])}\n`).join("");
  const payloadHash = sha256(body);
  const canonical = [method, path, canonicalQuery(query), canonicalHeaders, signed, payloadHash].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  let key = hmac(`AWS4${creds.secretAccessKey}`, date);
  for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
  const expected = createHmac("sha256", key).update(toSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex")))
    return refuse(401, "AuthFailure", "AWS was not able to validate the provided access credentials");
  return { ok: true, accessKeyId: keyId, region };
}

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

function headerValue(v: string | string[] | undefined): string {
  const s = Array.isArray(v) ? v.join(",") : (v ?? "");
  return s.trim().replace(/\s+/g, " ");
}

function canonicalQuery(query: string): string {
  const enc = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return [...new URLSearchParams(query)]
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .sort()
    .join("&");
}
