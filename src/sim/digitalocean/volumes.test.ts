/** The DigitalOcean simulator's Block Storage, by raw fetch, every exchange checked against the spec. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../core/clock.ts";
import { type DigitalOceanSim, startDigitalOceanSim } from "./index.ts";

let sim: DigitalOceanSim;
const clock = new FakeClock(1_700_000_000_000);
beforeAll(async () => {
  sim = await startDigitalOceanSim({ clock, activeAfterMs: 0, actionAfterMs: 1000, strict: true });
});
afterAll(() => sim.close());

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(sim.url + path, {
    method,
    headers: { authorization: `Bearer ${sim.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: the test reads arbitrary response JSON
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, any> };
};

const droplet = async (name: string, region = "nyc1") =>
  (await call("POST", "/v2/droplets", { name, region, size: "s-1vcpu-1gb", image: "debian-12-x64" })).body
    .droplet.id as number;

describe("DigitalOcean simulator: volumes", () => {
  it("creates, attaches when the action completes, refuses delete while attached, detaches, deletes", async () => {
    const id = await droplet("v1");
    const created = await call("POST", "/v2/volumes", {
      name: "work",
      size_gigabytes: 10,
      region: "nyc1",
      tags: ["spuff"],
    });
    expect(created.status).toBe(201);
    const vol = created.body.volume;
    expect(vol).toMatchObject({ name: "work", size_gigabytes: 10, droplet_ids: [], tags: ["spuff"] });

    const attach = await call("POST", `/v2/volumes/${vol.id}/actions`, { type: "attach", droplet_id: id });
    expect(attach.status).toBe(202);
    expect(attach.body.action.status).toBe("in-progress");
    expect((await call("GET", `/v2/volumes/${vol.id}`)).body.volume.droplet_ids).toEqual([]);
    await clock.advance(1000);
    const done = await call("GET", `/v2/volumes/${vol.id}/actions/${attach.body.action.id}`);
    expect(done.body.action.status).toBe("completed");
    expect((await call("GET", `/v2/volumes/${vol.id}`)).body.volume.droplet_ids).toEqual([id]);
    expect((await call("GET", `/v2/droplets/${id}`)).body.droplet.volume_ids).toEqual([vol.id]);

    expect((await call("DELETE", `/v2/volumes/${vol.id}`)).status).toBe(409);
    const detach = await call("POST", `/v2/volumes/${vol.id}/actions`, { type: "detach", droplet_id: id });
    expect(detach.status).toBe(202);
    await clock.advance(1000);
    expect((await call("GET", `/v2/volumes?name=work`)).body.volumes[0].droplet_ids).toEqual([]);
    expect((await call("DELETE", `/v2/volumes/${vol.id}`)).status).toBe(204);
    expect((await call("GET", `/v2/volumes/${vol.id}`)).status).toBe(404);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("refuses a duplicate name, another region's droplet and shrinking; resize grows", async () => {
    const far = await droplet("v2", "fra1");
    const vol = (await call("POST", "/v2/volumes", { name: "dup", size_gigabytes: 5, region: "nyc1" })).body
      .volume;
    expect(
      (await call("POST", "/v2/volumes", { name: "dup", size_gigabytes: 5, region: "nyc1" })).status,
    ).toBe(409);
    const wrong = await call("POST", `/v2/volumes/${vol.id}/actions`, { type: "attach", droplet_id: far });
    expect(wrong.status).toBe(422);
    expect(wrong.body.message).toMatch(/same region/);
    const shrink = await call("POST", `/v2/volumes/${vol.id}/actions`, { type: "resize", size_gigabytes: 4 });
    expect(shrink.status).toBe(422);
    await call("POST", `/v2/volumes/${vol.id}/actions`, { type: "resize", size_gigabytes: 20 });
    await clock.advance(1000);
    expect((await call("GET", `/v2/volumes/${vol.id}`)).body.volume.size_gigabytes).toBe(20);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("a destroyed droplet leaves its volume detached and listed", async () => {
    const id = await droplet("v3");
    const vol = (await call("POST", "/v2/volumes", { name: "keep", size_gigabytes: 1, region: "nyc1" })).body
      .volume;
    await call("POST", "/v2/volumes/actions", {
      type: "attach",
      droplet_id: id,
      volume_name: "keep",
      region: "nyc1",
    });
    await clock.advance(1000);
    expect((await call("GET", `/v2/volumes/${vol.id}`)).body.volume.droplet_ids).toEqual([id]);
    expect((await call("DELETE", `/v2/droplets/${id}`)).status).toBe(204);
    expect((await call("GET", `/v2/volumes/${vol.id}`)).body.volume.droplet_ids).toEqual([]);
  });

  it("400 in strict mode for a body the spec rejects (size missing)", async () => {
    const before = sim.validator?.violations.length ?? 0;
    const res = await call("POST", "/v2/volumes", { name: "nosize", region: "nyc1" });
    expect(res.status).toBe(400);
    expect(sim.validator?.violations.length).toBe(before + 1);
  });
});
