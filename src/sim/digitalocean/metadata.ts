/**
 * DigitalOcean's Droplet Metadata service (http://169.254.169.254/metadata/v1/…), served on its
 * own loopback port. The real service answers each droplet about itself by the link it is called
 * over; here the caller is known by its source address, which for a machine-backed droplet is the
 * droplet's own 127.0.0.N (the machine backend binds its outbound traffic to it). The metadata
 * API has no OpenAPI document in ../shared/specs; paths, plain-text values, the index listing and
 * 404 for unknown paths follow docs.digitalocean.com/reference/api/metadata/.
 */
import type { SimCodec, SimRequest, SimResponse } from "../server.ts";
import type { DoState, SimDroplet } from "./state.ts";

const INDEX = ["id", "hostname", "user-data", "vendor-data", "public-keys", "region", "tags/"];

/** Plain values as text/plain, v1.json as JSON. */
export const METADATA_CODEC: SimCodec = {
  decode: (raw) => (raw === "" ? undefined : raw),
  encode: (body) =>
    typeof body === "string"
      ? { text: body, contentType: "text/plain; charset=utf-8" }
      : { text: JSON.stringify(body), contentType: "application/json" },
};

function values(st: DoState, d: SimDroplet): Record<string, string> {
  const keys = d.sshKeys.map((id) => st.keys.get(id)?.public_key).filter((k): k is string => !!k);
  return {
    id: String(d.id),
    hostname: d.name,
    "user-data": d.userData,
    "vendor-data": "",
    "public-keys": keys.join("\n"),
    region: d.region,
    "tags/": d.tags.join("\n"),
  };
}

export function createDoMetadataHandler(st: DoState) {
  return async (req: SimRequest): Promise<SimResponse> => {
    const d = st.dropletAt(req.remote);
    // Only a droplet can reach 169.254.169.254; anything else gets nothing about anyone.
    if (!d) return { status: 404, body: "not found" };
    if (req.method !== "GET" && req.method !== "HEAD") return { status: 405, body: "method not allowed" };
    if (req.path === "/metadata/v1.json") {
      return {
        status: 200,
        body: {
          droplet_id: d.id,
          hostname: d.name,
          user_data: d.userData,
          vendor_data: "",
          public_keys: values(st, d)["public-keys"]?.split("\n").filter(Boolean),
          region: d.region,
          tags: d.tags,
          interfaces: { public: [{ ipv4: { ip_address: d.ip }, type: "public" }], private: [] },
        },
      };
    }
    if (req.path === "/metadata/v1") return { status: 301, headers: { location: "/metadata/v1/" } };
    if (req.path === "/metadata/v1/") return { status: 200, body: `${INDEX.join("\n")}\n` };
    const key = req.path.startsWith("/metadata/v1/") ? req.path.slice("/metadata/v1/".length) : "";
    const v = values(st, d)[key];
    return v === undefined ? { status: 404, body: "not found" } : { status: 200, body: v };
  };
}
