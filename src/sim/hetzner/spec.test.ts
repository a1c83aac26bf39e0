/** The spec validator on the Hetzner document: /v1 base path, 4xx/5xx ranges, array query parameters. */
import { describe, expect, it } from "vitest";
import { SpecValidator } from "../spec-validator.ts";
import { hetznerListConventions, widenIdOrName } from "./conventions.ts";
import { HETZNER_SPEC } from "./index.ts";

const q = (s = "") => new URLSearchParams(s);

describe("SpecValidator (Hetzner spec)", () => {
  const v = new SpecValidator({ spec: HETZNER_SPEC });

  it("matches paths under the spec's /v1 server URL only", () => {
    expect(v.match("GET", "/v1/servers/42/actions/7")?.template).toBe("/servers/{id}/actions/{action_id}");
    expect(v.match("POST", "/v1/servers/42/actions/create_image")?.template).toBe(
      "/servers/{id}/actions/create_image",
    );
    expect(v.match("GET", "/servers")).toBeUndefined();
    expect(v.match("GET", "/v2/servers")).toBeUndefined();
  });

  it("catches bad requests: missing required field, ill-typed label, unknown or out-of-enum query", () => {
    const ok = { name: "a", server_type: "cx22", image: "ubuntu-24.04", labels: { spuff: "true" } };
    expect(v.checkRequest("POST", "/v1/servers", q(), ok)).toEqual([]);
    const { server_type: _, ...noType } = ok;
    expect(v.checkRequest("POST", "/v1/servers", q(), noType)[0]?.message).toMatch(/server_type/);
    expect(v.checkRequest("POST", "/v1/servers", q(), { ...ok, labels: { n: 1 } })[0]?.message).toMatch(
      /labels\/n must be string/,
    );
    expect(v.checkRequest("GET", "/v1/servers", q("colour=red"), undefined)[0]?.message).toMatch(
      /unknown query parameter colour/,
    );
    // sort and status are arrays of enums, sent as repeated keys.
    expect(v.checkRequest("GET", "/v1/servers", q("sort=id:asc&sort=name:desc"), undefined)).toEqual([]);
    expect(v.checkRequest("GET", "/v1/servers", q("sort=colour"), undefined)).toHaveLength(1);
    expect(v.checkRequest("GET", "/v1/servers", q("per_page=many"), undefined)).toHaveLength(1);
    expect(v.checkRequest("DELETE", "/v1/servers/1", q(), { force: true })[0]?.message).toMatch(/takes none/);
  });

  it("catches bad responses: missing required server fields, a broken error envelope, a body on 204", () => {
    const bare = v.checkResponse("GET", "/v1/servers/1", 200, { server: { id: 1, name: "x" } });
    expect(bare[0]?.message).toMatch(/required property 'status'/);
    const envelope = { error: { code: "not_found", message: "gone", details: null } };
    expect(v.checkResponse("GET", "/v1/servers/1", 404, envelope)).toEqual([]);
    // The 4xx range applies to every client error, so a DO-style body is caught on a 423 too.
    expect(
      v.checkResponse("DELETE", "/v1/servers/1", 423, { id: "locked", message: "x" })[0]?.message,
    ).toMatch(/required property 'error'/);
    expect(v.checkResponse("DELETE", "/v1/images/1", 204, { ok: true })[0]?.message).toMatch(/no body/);
    expect(
      v.checkResponse("GET", "/v1/ssh_keys", 200, { ssh_keys: [], meta: { pagination: { page: 1 } } })[0]
        ?.message,
    ).toMatch(/per_page/);
  });

  describe("with Hetzner's list conventions (pagination, sorting)", () => {
    const withConv = new SpecValidator({ spec: HETZNER_SPEC, conventions: hetznerListConventions() });
    const actions = (query: string) => withConv.checkRequest("GET", "/v1/actions", q(query), undefined);

    it("accepts on GET /actions what hcloud sends: id plus page, per_page and sort", () => {
      // Without the conventions, the spec alone flags the official client's page/per_page/sort.
      expect(
        v.checkRequest("GET", "/v1/actions", q("id=7&page=1&per_page=50&sort=status&sort=id"), undefined),
      ).toHaveLength(3);
      expect(actions("id=7&id=9&page=1&per_page=50&sort=status&sort=id")).toEqual([]);
      expect(actions("id=7&sort=started:desc")).toEqual([]);
    });

    it("still flags what the conventions do not define", () => {
      expect(actions("page=1")[0]?.message).toMatch(/missing query parameter id/);
      expect(actions("id=7&colour=red")[0]?.message).toMatch(/unknown query parameter colour/);
      expect(actions("id=7&per_page=51")[0]?.message).toMatch(/per_page.*<= 50/);
      expect(actions("id=7&page=0")[0]?.message).toMatch(/page.*>= 1/);
      expect(actions("id=7&page=two")).toHaveLength(1);
      // Sort fields are the listed item's fields; `resources` is an array, not sortable.
      expect(actions("id=7&sort=colour")).toHaveLength(1);
      expect(actions("id=7&sort=resources")).toHaveLength(1);
      expect(actions("id=7&sort=id:sideways")).toHaveLength(1);
      expect(actions("id=abc")).toHaveLength(1);
    });

    it("adds nothing to single-resource reads or writes, and keeps an operation's own declarations", () => {
      expect(withConv.checkRequest("GET", "/v1/servers/1", q("page=1"), undefined)[0]?.message).toMatch(
        /unknown query parameter page/,
      );
      expect(
        withConv.checkRequest("POST", "/v1/servers/1/actions/poweron", q("sort=id"), undefined),
      ).toHaveLength(1);
      // /servers declares its own sort enum (no `status` field to sort by); that one applies.
      expect(
        withConv.checkRequest("GET", "/v1/servers", q("sort=created:desc&per_page=50"), undefined),
      ).toEqual([]);
      expect(withConv.checkRequest("GET", "/v1/servers", q("sort=status"), undefined)).toHaveLength(1);
    });
  });

  it("takes an integer ID where the spec says 'ID or name' (as hcloud sends image), and nothing wider", () => {
    const ok = { name: "a", server_type: "cx22", image: 114690387, location: "nbg1" };
    // The spec alone types image as a string: the official client's request would be flagged.
    expect(v.checkRequest("POST", "/v1/servers", q(), ok)[0]?.message).toMatch(/image must be string/);
    let widened: string[] = [];
    const w = new SpecValidator({ spec: HETZNER_SPEC, adjust: (doc) => (widened = widenIdOrName(doc)) });
    expect(widened.sort()).toEqual([
      "POST /servers image",
      "POST /servers location",
      "POST /servers server_type",
    ]);
    expect(w.checkRequest("POST", "/v1/servers", q(), ok)).toEqual([]);
    expect(w.checkRequest("POST", "/v1/servers", q(), { ...ok, server_type: 22, location: 2 })).toEqual([]);
    expect(w.checkRequest("POST", "/v1/servers", q(), { ...ok, image: 0 })).toHaveLength(1);
    expect(w.checkRequest("POST", "/v1/servers", q(), { ...ok, image: 1.5 })).toHaveLength(1);
    expect(w.checkRequest("POST", "/v1/servers", q(), { ...ok, image: true })).toHaveLength(1);
    // `name` is described otherwise: it stays a string.
    expect(w.checkRequest("POST", "/v1/servers", q(), { ...ok, name: 7 })).toHaveLength(1);
  });
});
