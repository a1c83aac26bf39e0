import { describe, expect, it } from "vitest";
import { HetznerSpecValidator } from "./error-codes.ts";
import { HETZNER_SPEC } from "./index.ts";

const envelope = (code: string) => ({
  error: { code, message: "SSH key with the same fingerprint already exists", details: null },
});

describe("Hetzner error codes against the conventions", () => {
  const v = new HetznerSpecValidator({ spec: HETZNER_SPEC });

  it("accepts a duplicate SSH key answered the vendor's way (409 uniqueness_error)", () => {
    expect(v.checkResponse("POST", "/v1/ssh_keys", 409, envelope("uniqueness_error"))).toEqual([]);
  });

  it("flags a code under another status, and a code Hetzner does not have", () => {
    expect(v.checkResponse("POST", "/v1/ssh_keys", 422, envelope("uniqueness_error"))).toMatchObject([
      { message: "error code uniqueness_error goes with status 409, not 422" },
    ]);
    expect(v.checkResponse("POST", "/v1/ssh_keys", 409, envelope("already_exists"))).toMatchObject([
      { message: 'error code "already_exists" is not one of Hetzner\'s' },
    ]);
  });
});
