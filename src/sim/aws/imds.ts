/**
 * The EC2 instance metadata service (IMDSv2, http://169.254.169.254/latest/…), served on its own
 * loopback port. As with the DigitalOcean one, the caller is known by its source address: a
 * machine-backed instance calls from its own 127.0.0.N. Instances are launched with
 * HttpTokens=required, so every GET needs a session token from `PUT /latest/api/token`, bound to
 * the instance that asked for it. IMDS has no model in ../shared/specs; paths, headers, status
 * codes and the spot notice's JSON follow the EC2 user guide ("Use IMDSv2", "Spot Instance
 * interruption notices").
 */
import { randomBytes } from "node:crypto";
import type { SimCodec, SimRequest, SimResponse } from "../server.ts";
import type { AwsState, SimInstance } from "./state.ts";

/** The TTL bounds IMDS accepts for a session token, in seconds. */
const TTL_MAX = 21_600;

export const IMDS_CODEC: SimCodec = {
  decode: (raw) => (raw === "" ? undefined : raw),
  encode: (body) =>
    typeof body === "string"
      ? { text: body, contentType: "text/plain" }
      : { text: JSON.stringify(body), contentType: "application/json" },
};

/** EC2 writes the notice's time without milliseconds: 2026-12-03T14:02:00Z. */
const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function values(i: SimInstance): Record<string, string | undefined> {
  const notice = i.spot?.notice;
  return {
    "instance-id": i.id,
    "instance-type": i.type,
    "ami-id": i.imageId,
    "instance-life-cycle": i.spot ? "spot" : "on-demand",
    "placement/availability-zone": `${i.region}a`,
    "placement/region": i.region,
    "local-ipv4": i.privateIp,
    // Absent (404) until AWS has decided to take the instance back.
    "spot/instance-action": notice
      ? JSON.stringify({ action: notice.action, time: isoSeconds(notice.at) })
      : undefined,
    "spot/termination-time": notice ? isoSeconds(notice.at) : undefined,
  };
}

const header = (req: SimRequest, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export function createImdsHandler(st: AwsState) {
  const tokens = new Map<string, { instanceId: string; expires: number }>();
  return async (req: SimRequest): Promise<SimResponse> => {
    await st.settleReclaims();
    const i = st.instanceAt(req.remote);
    // Only an instance can reach 169.254.169.254; anyone else learns nothing.
    if (!i) return { status: 404, body: "Not Found" };
    if (req.path === "/latest/api/token") {
      if (req.method !== "PUT") return { status: 405, body: "Method Not Allowed" };
      // IMDS refuses token requests that went through a proxy.
      if (header(req, "x-forwarded-for") !== undefined) return { status: 403, body: "Forbidden" };
      const ttl = Number(header(req, "x-aws-ec2-metadata-token-ttl-seconds"));
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > TTL_MAX) return { status: 400, body: "Bad Request" };
      const token = randomBytes(32).toString("base64url");
      tokens.set(token, { instanceId: i.id, expires: st.timeline.now() + ttl * 1000 });
      return {
        status: 200,
        body: token,
        headers: { "x-aws-ec2-metadata-token-ttl-seconds": String(ttl) },
      };
    }
    if (req.method !== "GET" && req.method !== "HEAD") return { status: 405, body: "Method Not Allowed" };
    const t = tokens.get(header(req, "x-aws-ec2-metadata-token") ?? "");
    if (!t || t.instanceId !== i.id || st.timeline.now() >= t.expires)
      return { status: 401, body: "Unauthorized" };
    const key = req.path.startsWith("/latest/meta-data/") ? req.path.slice("/latest/meta-data/".length) : "";
    const v = values(i)[key];
    return v === undefined ? { status: 404, body: "Not Found" } : { status: 200, body: v };
  };
}
