/**
 * GET /v2/account and one SSH key by id or fingerprint (GET, PUT rename, DELETE), by plain HTTP
 * (Debian has no doctl), each request and answer checked against the DigitalOcean spec.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { md5Fingerprint } from "../../providers/ssh-fingerprint.ts";
import { type DigitalOceanSim, startDigitalOceanSim } from "./index.ts";

const PUB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDW6kV6fFNVJXWYiK3NEEtI+o6fxlVtxnA9AKhuk6bfd test@spuff";

let sim: DigitalOceanSim;
beforeAll(async () => {
  sim = await startDigitalOceanSim({ strict: true });
});
afterAll(() => sim.close());

async function call(method: string, path: string, body?: unknown, token = sim.token) {
  const res = await fetch(sim.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, never>) : undefined };
}

describe("DigitalOcean simulator: account and SSH keys by id", () => {
  it("GET /v2/account names the account; a bad token gets 401 and nothing else", async () => {
    const ok = await call("GET", "/v2/account");
    expect(ok.status).toBe(200);
    expect(ok.body?.account).toMatchObject({
      email: "sim@spuff.invalid",
      status: "active",
      droplet_limit: 25,
    });
    const bad = await call("GET", "/v2/account", undefined, "not-the-token");
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ id: "unauthorized" });
    expect(sim.validator?.violations).toEqual([]);
  });

  it("reads, renames and deletes a key by id and by fingerprint; 404 once gone", async () => {
    const made = await call("POST", "/v2/account/keys", { name: "laptop", public_key: PUB });
    expect(made.status).toBe(201);
    const key = made.body?.ssh_key as unknown as { id: number; fingerprint: string; name: string };
    expect(key.fingerprint).toBe(md5Fingerprint(PUB));

    expect((await call("GET", `/v2/account/keys/${key.id}`)).body?.ssh_key).toEqual(key);
    expect((await call("GET", `/v2/account/keys/${key.fingerprint}`)).body?.ssh_key).toEqual(key);

    const renamed = await call("PUT", `/v2/account/keys/${key.id}`, { name: "work laptop" });
    expect(renamed.status).toBe(200);
    expect(renamed.body?.ssh_key).toEqual({ ...key, name: "work laptop" });
    expect((await call("GET", "/v2/account/keys")).body?.ssh_keys).toEqual([{ ...key, name: "work laptop" }]);
    const blank = await call("PUT", `/v2/account/keys/${key.fingerprint}`, { name: "  " });
    expect(blank.status).toBe(422);

    expect((await call("DELETE", `/v2/account/keys/${key.fingerprint}`)).status).toBe(204);
    expect((await call("GET", `/v2/account/keys/${key.id}`)).status).toBe(404);
    expect((await call("DELETE", `/v2/account/keys/${key.id}`)).status).toBe(404);
    expect((await call("PUT", `/v2/account/keys/99`, { name: "x" })).status).toBe(404);
    expect(sim.validator?.violations).toEqual([]);
  });

  it("still flags (and in strict mode refuses) what the spec does not allow", async () => {
    const before = sim.validator?.violations.length ?? 0;
    // PUT takes a JSON body with a string name; a number is a request violation, answered 400.
    const r = await call("PUT", "/v2/account/keys/1", { name: 5 });
    expect(r.status).toBe(400);
    expect(sim.validator?.violations.slice(before).map((v) => v.direction)).toEqual(["request"]);
  });
});
