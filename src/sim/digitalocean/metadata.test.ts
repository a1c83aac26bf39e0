/**
 * The DigitalOcean simulator's metadata service and scoped tokens, by raw HTTP: each droplet is
 * answered about itself by its source address (as the machine backend's guests call it), and a
 * reaper token with only `droplet:delete` can delete but not list, create or read.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DigitalOceanSim, startDigitalOceanSim } from "./index.ts";

const REAPER = "dop_v1_reaper_only_droplet_delete_0123456789";
let sim: DigitalOceanSim;
beforeAll(async () => {
  sim = await startDigitalOceanSim({
    activeAfterMs: 0,
    strict: true,
    scopedTokens: [{ name: "reaper", token: REAPER, scopes: ["droplet:delete"] }],
  });
});
afterAll(() => sim.close());

const api = (method: string, path: string, token: string, body?: unknown) =>
  fetch(sim.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** GET from a chosen loopback source address (fetch cannot bind one). */
function getFrom(localAddress: string, path: string) {
  return new Promise<{ status: number; type: string; body: string; location?: string }>((resolve, reject) => {
    const req = http.get(`${sim.metadataUrl}${path}`, { localAddress }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers["content-type"] ?? ""),
          body,
          location: res.headers.location,
        }),
      );
    });
    req.setTimeout(5000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

async function createDroplet(name: string): Promise<{ id: number; ip: string }> {
  const res = await api("POST", "/v2/droplets", sim.token, {
    name,
    region: "nyc1",
    size: "s-1vcpu-1gb",
    image: "debian-12-x64",
    user_data: `#cloud-config\nhostname: ${name}\n`,
    tags: ["spuff"],
  });
  expect(res.status).toBe(202);
  const { droplet } = (await res.json()) as { droplet: { id: number } };
  const got = (await (await api("GET", `/v2/droplets/${droplet.id}`, sim.token)).json()) as {
    droplet: { networks: { v4: { type: string; ip_address: string }[] } };
  };
  const ip = got.droplet.networks.v4.find((n) => n.type === "public")?.ip_address ?? "";
  return { id: droplet.id, ip };
}

describe("DigitalOcean metadata service", () => {
  it("answers each droplet about itself, by the address it calls from", async () => {
    const a = await createDroplet("md-a");
    const b = await createDroplet("md-b");
    expect(a.ip).not.toBe(b.ip);
    const idA = await getFrom(a.ip, "/metadata/v1/id");
    expect(idA).toMatchObject({ status: 200, body: String(a.id) });
    expect(idA.type).toMatch(/^text\/plain/);
    expect((await getFrom(b.ip, "/metadata/v1/id")).body).toBe(String(b.id));
    expect((await getFrom(b.ip, "/metadata/v1/hostname")).body).toBe("md-b");
    expect((await getFrom(a.ip, "/metadata/v1/user-data")).body).toBe("#cloud-config\nhostname: md-a\n");
    const all = JSON.parse((await getFrom(a.ip, "/metadata/v1.json")).body);
    expect(all).toMatchObject({ droplet_id: a.id, hostname: "md-a", region: "nyc1", tags: ["spuff"] });
    expect((await getFrom(a.ip, "/metadata/v1/")).body.split("\n")).toContain("id");
    expect(await getFrom(a.ip, "/metadata/v1")).toMatchObject({ status: 301, location: "/metadata/v1/" });
    expect((await getFrom(a.ip, "/metadata/v1/nope")).status).toBe(404);
    // The service records who asked.
    expect(sim.metadataRequests).toContainEqual({
      method: "GET",
      path: "/metadata/v1/id",
      status: 200,
      remote: b.ip,
    });
  });

  it("tells a caller that is no droplet nothing (404)", async () => {
    await createDroplet("md-c");
    expect(await getFrom("127.0.0.1", "/metadata/v1/id")).toMatchObject({ status: 404 });
  });
});

describe("DigitalOcean scoped tokens (scopes from the spec's security)", () => {
  it("a droplet:delete token deletes, and the deletion records the token and caller", async () => {
    const d = await createDroplet("reap-me");
    expect((await api("GET", "/v2/droplets", REAPER)).status).toBe(403);
    expect((await api("GET", `/v2/droplets/${d.id}`, REAPER)).status).toBe(403);
    const forbidden = await api("POST", "/v2/droplets", REAPER, {
      name: "x",
      region: "nyc1",
      size: "s-1vcpu-1gb",
      image: "debian-12-x64",
    });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ id: "Forbidden" });
    expect((await api("DELETE", `/v2/droplets/${d.id}`, REAPER)).status).toBe(204);
    expect((await api("GET", `/v2/droplets/${d.id}`, sim.token)).status).toBe(404);
    expect(sim.state.deletions).toContainEqual({ id: d.id, token: "reaper", remote: "127.0.0.1" });
    expect((await api("DELETE", `/v2/droplets/${d.id}`, "dop_v1_unknown")).status).toBe(401);
    expect(sim.validator?.violations).toEqual([]);
  });
});
