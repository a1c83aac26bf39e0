/** The DigitalOcean simulator's wire behaviour, by raw fetch (no spuff client involved). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateHostKey } from "../../cloudinit/host-key.ts";
import { FakeClock } from "../../core/clock.ts";
import { type DigitalOceanSim, startDigitalOceanSim } from "./index.ts";

let sim: DigitalOceanSim;
const clock = new FakeClock(1_700_000_000_000);
beforeAll(async () => {
  sim = await startDigitalOceanSim({ clock, activeAfterMs: 1000, strict: true });
});
afterAll(() => sim.close());

const call = (method: string, path: string, body?: unknown, token = sim.token) =>
  fetch(sim.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe("DigitalOcean simulator", () => {
  it("answers 401 with DO's error body and rate-limit headers", async () => {
    const res = await call("GET", "/v2/droplets", undefined, "wrong");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ id: "unauthorized", message: "Unable to authenticate you" });
    expect(res.headers.get("ratelimit-limit")).toBe("5000");
    expect(Number(res.headers.get("ratelimit-reset"))).toBe(1_700_000_060);
  });

  it("creates droplets that turn active with an IP on the timeline (fake clock)", async () => {
    const res = await call("POST", "/v2/droplets", {
      name: "t1",
      region: "nyc1",
      size: "s-1vcpu-1gb",
      image: "debian-12-x64",
    });
    expect(res.status).toBe(202);
    const { droplet } = (await res.json()) as { droplet: { id: number; status: string } };
    expect(droplet.status).toBe("new");
    await clock.advance(999);
    expect(
      ((await (await call("GET", `/v2/droplets/${droplet.id}`)).json()) as { droplet: { status: string } })
        .droplet.status,
    ).toBe("new");
    await clock.advance(1);
    const later = (await (await call("GET", `/v2/droplets/${droplet.id}`)).json()) as {
      droplet: { status: string; networks: { v4: { type: string; ip_address: string }[] } };
    };
    expect(later.droplet.status).toBe("active");
    expect(later.droplet.networks.v4.find((n) => n.type === "public")?.ip_address).toMatch(
      /^127\.0\.0\.\d+$/,
    );
  });

  it("422 for an unknown region, 404 with id not_found, 400 in strict mode for a spec violation", async () => {
    const r422 = await call("POST", "/v2/droplets", {
      name: "t2",
      region: "mars1",
      size: "s-1vcpu-1gb",
      image: "debian-12-x64",
    });
    expect(r422.status).toBe(422);
    expect(((await r422.json()) as { message: string }).message).toMatch(/region/);
    const r404 = await call("GET", "/v2/droplets/1");
    expect(await r404.json()).toMatchObject({ id: "not_found" });
    const r400 = await call("POST", "/v2/droplets", {
      name: "no spaces allowed",
      size: "s-1vcpu-1gb",
      image: "x",
    });
    expect(r400.status).toBe(400);
    expect(sim.validator?.violations.map((v) => v.direction)).toEqual(["request"]);
  });

  it("paginates with links.pages.next and meta.total", async () => {
    for (let i = 0; i < 4; i++) {
      await call("POST", "/v2/droplets", {
        name: `p${i}`,
        region: "nyc1",
        size: "s-1vcpu-1gb",
        image: "debian-12-x64",
      });
    }
    const body = (await (await call("GET", "/v2/droplets?per_page=2")).json()) as {
      droplets: unknown[];
      links: { pages: { next?: string } };
      meta: { total: number };
    };
    expect(body.droplets).toHaveLength(2);
    expect(body.meta.total).toBe(5);
    expect(body.links.pages.next).toBe(`${sim.url}/v2/droplets?per_page=2&page=2`);
  });

  it("answers a second registration of the same key as DigitalOcean does: 422, already in use", async () => {
    const before = sim.validator?.violations.length;
    const public_key = generateHostKey("me@laptop").publicKey;
    const first = await call("POST", "/v2/account/keys", { name: "a", public_key });
    expect(first.status).toBe(201);
    const again = await call("POST", "/v2/account/keys", { name: "b", public_key });
    expect(again.status).toBe(422);
    expect(await again.json()).toMatchObject({
      id: "unprocessable_entity",
      message: "SSH Key is already in use on your account",
    });
    expect(sim.validator?.violations.length).toBe(before);
  });
});
