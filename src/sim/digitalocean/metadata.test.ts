/**
 * The DigitalOcean simulator's metadata service and scoped tokens, by raw HTTP: each droplet is
 * answered about itself by its source address (as the machine backend's guests call it), and a
 * reaper token with only `droplet:delete` can delete but not list, create or read.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noneBackend } from "../backend.ts";
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

/** GET (or another method) from a chosen loopback source address (fetch cannot bind one). */
function getFrom(
  localAddress: string,
  path: string,
  o: { base?: string; method?: string; token?: string } = {},
) {
  return new Promise<{ status: number; type: string; body: string; location?: string }>((resolve, reject) => {
    const headers = o.token ? { authorization: `Bearer ${o.token}` } : {};
    const url = `${o.base ?? sim.metadataUrl}${path}`;
    const req = http.request(url, { localAddress, method: o.method ?? "GET", headers }, (res) => {
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
    req.end();
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

  it("a droplet deleting itself hears 204 before its machine is destroyed; others after", async () => {
    const events: string[] = [];
    const inner = noneBackend();
    const own = await startDigitalOceanSim({
      activeAfterMs: 0,
      strict: true,
      scopedTokens: [{ name: "reaper", token: REAPER, scopes: ["droplet:delete"] }],
      backend: {
        ...inner,
        async destroy(id) {
          await new Promise((r) => setTimeout(r, 200)); // a machine takes a while to stop
          events.push(`destroyed ${id}`);
          return inner.destroy(id);
        },
      },
    });
    try {
      const post = (name: string) =>
        fetch(`${own.url}/v2/droplets`, {
          method: "POST",
          headers: { authorization: `Bearer ${own.token}`, "content-type": "application/json" },
          body: JSON.stringify({ name, region: "nyc1", size: "s-1vcpu-1gb", image: "debian-12-x64" }),
        }).then(async (r) => ((await r.json()) as { droplet: { id: number } }).droplet.id);
      // From elsewhere (spuff down on the user's computer) the 204 means the machine is gone.
      const other = await post("other");
      const byUser = await fetch(`${own.url}/v2/droplets/${other}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${own.token}` },
      });
      events.push(`response ${byUser.status}`);
      expect(events).toEqual([`destroyed ${other}`, "response 204"]);
      events.length = 0;

      const self = await post("self");
      const ip = own.state.droplets.get(self)?.ip ?? "";
      const res = await getFrom(ip, `/v2/droplets/${self}`, {
        base: own.url,
        method: "DELETE",
        token: REAPER,
      });
      events.push(`response ${res.status}`);
      await own.close(); // waits for the destroy that follows the response
      expect(events).toEqual(["response 204", `destroyed ${self}`]);
      expect(own.state.deletions).toEqual([
        { id: other, token: "main", remote: "127.0.0.1" },
        { id: self, token: "reaper", remote: ip },
      ]);
    } finally {
      await own.close();
    }
  });
});
