import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DO_SPEC } from "./digitalocean/index.ts";
import { defaultSpecsDir, SpecValidator } from "./spec-validator.ts";

describe("SpecValidator (DigitalOcean spec)", () => {
  const v = new SpecValidator({ spec: DO_SPEC });

  it("finds the specs next to the repo, also when started from a folder outside it", () => {
    const here = defaultSpecsDir();
    expect(here).toMatch(/shared\/specs$/);
    expect(fs.existsSync(here)).toBe(true);
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-specs-cwd-"));
    try {
      const script = path.join(
        path.dirname(here),
        "..",
        path.basename(process.cwd()),
        "bin",
        "spuff-sim.cjs",
      );
      expect(defaultSpecsDir(elsewhere, {}, script)).toBe(here);
      expect(defaultSpecsDir(elsewhere, { SPUFF_SPECS_DIR: elsewhere }, script)).toBe(elsewhere);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("matches concrete paths to operations, literal before template", () => {
    expect(v.match("GET", "/v2/droplets")?.template).toBe("/v2/droplets");
    expect(v.match("GET", "/v2/droplets/123/snapshots")?.template).toBe(
      "/v2/droplets/{droplet_id}/snapshots",
    );
    expect(v.match("PATCH", "/v2/droplets/123")).toBeUndefined();
  });

  it("catches bad requests: unknown operation, unknown/ill-typed query, body against schema", () => {
    expect(v.checkRequest("GET", "/v2/nope", new URLSearchParams(), undefined)[0]?.message).toMatch(
      /no such operation/,
    );
    expect(
      v.checkRequest("GET", "/v2/droplets", new URLSearchParams("colour=red"), undefined)[0]?.message,
    ).toMatch(/unknown query/);
    expect(
      v.checkRequest("GET", "/v2/droplets", new URLSearchParams("per_page=abc"), undefined),
    ).toHaveLength(1);
    const bad = v.checkRequest("POST", "/v2/droplets", new URLSearchParams(), {
      name: "bad name!",
      region: "fra1",
    });
    expect(bad).toHaveLength(1);
    expect(bad[0]?.direction).toBe("request");
    expect(
      v.checkRequest("POST", "/v2/droplets", new URLSearchParams(), {
        name: "ok",
        size: "s",
        image: "ubuntu-24-04-x64",
      }),
    ).toEqual([]);
  });

  it("catches bad responses: undeclared status, missing required fields, body on 204", () => {
    expect(
      v.checkResponse("GET", "/v2/droplets/1", 200, { droplet: { id: 1, name: "x" } })[0]?.message,
    ).toMatch(/required/);
    expect(v.checkResponse("DELETE", "/v2/droplets/1", 204, { oops: true })[0]?.message).toMatch(/no body/);
    expect(v.checkResponse("GET", "/v2/droplets/1", 404, { id: "not_found", message: "gone" })).toEqual([]);
    expect(v.checkResponse("GET", "/v2/account/keys", 200, { ssh_keys: [] })[0]?.message).toMatch(/meta/);
  });
});
