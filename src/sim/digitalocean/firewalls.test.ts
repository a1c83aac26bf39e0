/**
 * DigitalOcean Cloud Firewalls in the simulator, by raw fetch (every request and response checked
 * against the spec, strict): tag and droplet application, and the ports each leaves open on the
 * droplet's simulated public address (the none backend records them).
 */
import { afterEach, describe, expect, it } from "vitest";
import { PUBLIC_PORTS } from "../public-ports.ts";
import { type DigitalOceanSim, startDigitalOceanSim } from "./index.ts";

let sim: DigitalOceanSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function call(method: string, path: string, body?: unknown) {
  const s = sim as DigitalOceanSim;
  const res = await fetch(s.url + path, {
    method,
    headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as any };
}

const droplet = async (name: string, tags: string[] = []) =>
  (
    await call("POST", "/v2/droplets", {
      name,
      region: "nyc1",
      size: "s-1vcpu-1gb",
      image: "debian-12-x64",
      tags,
    })
  ).json.droplet.id as number;
const ports = (id: number) => sim?.state.backend.openPorts?.(String(id));
const SSH_ONLY = {
  name: "spuff-ssh",
  tags: ["spuff"],
  inbound_rules: [
    { protocol: "tcp", ports: "22", sources: { addresses: ["0.0.0.0/0", "::/0"] } },
    { protocol: "icmp", ports: "0", sources: { addresses: ["0.0.0.0/0", "::/0"] } },
  ],
  outbound_rules: [{ protocol: "tcp", ports: "all", destinations: { addresses: ["0.0.0.0/0", "::/0"] } }],
};

describe("DigitalOcean simulator firewalls", () => {
  it("a droplet without a firewall answers on every public port; one tagged into a firewall only on 22", async () => {
    sim = await startDigitalOceanSim({ activeAfterMs: 0, strict: true });
    const bare = await droplet("bare");
    expect(ports(bare)).toEqual([...PUBLIC_PORTS]);
    const fw = await call("POST", "/v2/firewalls", SSH_ONLY);
    expect(fw.status).toBe(202);
    expect(fw.json.firewall).toMatchObject({ name: "spuff-ssh", tags: ["spuff"], status: "succeeded" });
    // Created after the firewall: covered from its create on.
    const tagged = await droplet("tagged", ["spuff"]);
    expect(ports(tagged)).toEqual([22]);
    expect(ports(bare)).toEqual([...PUBLIC_PORTS]);
    const listed = await call("GET", `/v2/droplets/${tagged}/firewalls`);
    expect(listed.json.firewalls.map((f: { id: string }) => f.id)).toEqual([fw.json.firewall.id]);
    expect((await call("GET", `/v2/droplets/${bare}/firewalls`)).json.firewalls).toEqual([]);
  });

  it("rules added, removed and replaced by PUT change the open ports at once; delete opens them again", async () => {
    sim = await startDigitalOceanSim({ activeAfterMs: 0, strict: true });
    const id = await droplet("d1");
    const fw = (await call("POST", "/v2/firewalls", { ...SSH_ONLY, tags: [], droplet_ids: [id] })).json
      .firewall;
    expect(ports(id)).toEqual([22]);
    const web = { protocol: "tcp", ports: "8000-8080", sources: { addresses: ["0.0.0.0/0"] } };
    expect((await call("POST", `/v2/firewalls/${fw.id}/rules`, { inbound_rules: [web] })).status).toBe(204);
    expect(ports(id)).toEqual([22, 8000, 8080]);
    expect((await call("DELETE", `/v2/firewalls/${fw.id}/rules`, { inbound_rules: [web] })).status).toBe(204);
    expect(ports(id)).toEqual([22]);
    // A source that is not the caller's (the host's loopback) opens nothing.
    const narrow = { protocol: "tcp", ports: "22", sources: { addresses: ["203.0.113.0/24"] } };
    const put = await call("PUT", `/v2/firewalls/${fw.id}`, {
      ...SSH_ONLY,
      tags: [],
      droplet_ids: [id],
      inbound_rules: [narrow],
    });
    expect(put.status).toBe(200);
    expect(ports(id)).toEqual([]);
    expect((await call("DELETE", `/v2/firewalls/${fw.id}/droplets`, { droplet_ids: [id] })).status).toBe(204);
    expect(ports(id)).toEqual([...PUBLIC_PORTS]);
    expect((await call("POST", `/v2/firewalls/${fw.id}/tags`, { tags: ["x"] })).status).toBe(204);
    expect((await call("DELETE", `/v2/firewalls/${fw.id}`)).status).toBe(204);
    expect((await call("GET", `/v2/firewalls/${fw.id}`)).status).toBe(404);
  });

  it("refuses malformed rules and unknown droplets with 422", async () => {
    sim = await startDigitalOceanSim({ activeAfterMs: 0, strict: true });
    const badAddr = { protocol: "tcp", ports: "22", sources: { addresses: ["10.0.0.0/99"] } };
    expect((await call("POST", "/v2/firewalls", { ...SSH_ONLY, inbound_rules: [badAddr] })).status).toBe(422);
    const badPorts = { protocol: "tcp", ports: "22;rm", sources: { addresses: ["0.0.0.0/0"] } };
    expect((await call("POST", "/v2/firewalls", { ...SSH_ONLY, inbound_rules: [badPorts] })).status).toBe(
      422,
    );
    expect((await call("POST", "/v2/firewalls", { ...SSH_ONLY, droplet_ids: [1] })).status).toBe(422);
    expect(sim.validator?.violations ?? []).toEqual([]);
  });
});
