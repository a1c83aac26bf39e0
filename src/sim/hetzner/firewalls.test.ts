/**
 * Hetzner Firewalls in the simulator, by raw fetch (strict spec checks, Hetzner's error codes):
 * application by label selector, by server and at server create, and the ports each leaves open
 * on the server's simulated public address (the none backend records them).
 */
import { afterEach, describe, expect, it } from "vitest";
import { PUBLIC_PORTS } from "../public-ports.ts";
import { type HetznerSim, startHetznerSim } from "./index.ts";

let sim: HetznerSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function call(method: string, path: string, body?: unknown) {
  const s = sim as HetznerSim;
  const res = await fetch(s.endpoint + path, {
    method,
    headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as any };
}

async function server(name: string, extra: object = {}): Promise<number> {
  const res = await call("POST", "/servers", {
    name,
    server_type: "cx22",
    image: "ubuntu-24.04",
    location: "fsn1",
    ...extra,
  });
  expect(res.status).toBe(201);
  const id = res.json.server.id as number;
  await sim?.state.servers.get(id)?.boot;
  return id;
}
const ports = (id: number) => sim?.state.backend.openPorts?.(String(id));
const SSH_RULES = [
  { direction: "in", protocol: "tcp", port: "22", source_ips: ["0.0.0.0/0", "::/0"] },
  { direction: "in", protocol: "icmp", source_ips: ["0.0.0.0/0", "::/0"] },
];

describe("Hetzner simulator firewalls", () => {
  it("label selector: servers with the label take only 22, others every port; public_net lists it", async () => {
    sim = await startHetznerSim({ strict: true, activeAfterMs: 0 });
    const bare = await server("bare");
    const fw = await call("POST", "/firewalls", {
      name: "spuff-ssh",
      labels: { spuff: "" },
      rules: SSH_RULES,
      apply_to: [{ type: "label_selector", label_selector: { selector: "spuff" } }],
    });
    expect(fw.status).toBe(201);
    const labelled = await server("labelled", { labels: { spuff: "" } });
    expect(ports(labelled)).toEqual([22]);
    expect(ports(bare)).toEqual([...PUBLIC_PORTS]);
    const got = await call("GET", `/servers/${labelled}`);
    expect(got.json.server.public_net.firewalls).toEqual([{ id: fw.json.firewall.id, status: "applied" }]);
    const desc = await call("GET", `/firewalls/${fw.json.firewall.id}`);
    expect(desc.json.firewall.applied_to[0].applied_to_resources).toEqual([
      { type: "server", server: { id: labelled } },
    ]);
  });

  it("a firewall passed at create covers the server; set_rules changes the ports; delete in use is refused", async () => {
    sim = await startHetznerSim({ strict: true, activeAfterMs: 0 });
    const fw = (await call("POST", "/firewalls", { name: "fw", rules: SSH_RULES })).json.firewall;
    const id = await server("s1", { firewalls: [{ firewall: fw.id }] });
    expect(ports(id)).toEqual([22]);
    const web = { direction: "in", protocol: "tcp", port: "8000-8080", source_ips: ["0.0.0.0/0"] };
    const set = await call("POST", `/firewalls/${fw.id}/actions/set_rules`, { rules: [...SSH_RULES, web] });
    expect(set.status).toBe(201);
    expect(set.json.actions[0].command).toBe("set_firewall_rules");
    expect(ports(id)).toEqual([22, 8000, 8080]);
    const del = await call("DELETE", `/firewalls/${fw.id}`);
    expect([del.status, del.json.error.code]).toEqual([422, "resource_in_use"]);
    const again = await call("POST", `/firewalls/${fw.id}/actions/apply_to_resources`, {
      apply_to: [{ type: "server", server: { id } }],
    });
    expect([again.status, again.json.error.code]).toEqual([422, "firewall_already_applied"]);
    const rm = await call("POST", `/firewalls/${fw.id}/actions/remove_from_resources`, {
      remove_from: [{ type: "server", server: { id } }],
    });
    expect(rm.status).toBe(201);
    expect(ports(id)).toEqual([...PUBLIC_PORTS]);
    expect((await call("DELETE", `/firewalls/${fw.id}`)).status).toBe(204);
  });

  it("refuses a rule without addresses, a bad CIDR, and an unknown firewall at server create", async () => {
    sim = await startHetznerSim({ strict: true, activeAfterMs: 0 });
    const noIps = await call("POST", "/firewalls", {
      name: "a",
      rules: [{ direction: "in", protocol: "tcp", port: "22" }],
    });
    expect(noIps.status).toBe(422);
    const badIp = await call("POST", "/firewalls", {
      name: "b",
      rules: [{ direction: "in", protocol: "tcp", port: "22", source_ips: ["1.2.3.4/33"] }],
    });
    expect(badIp.status).toBe(422);
    const res = await call("POST", "/servers", {
      name: "s",
      server_type: "cx22",
      image: "ubuntu-24.04",
      firewalls: [{ firewall: 999 }],
    });
    expect(res.status).toBe(422);
    expect(sim.state.servers.size).toBe(0);
  });
});
