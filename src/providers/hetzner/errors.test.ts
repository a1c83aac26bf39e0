/** Every error code Hetzner documents maps to a ProviderError kind on purpose, not by fallback. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultSpecsDir } from "../../sim/spec-validator.ts";
import type { HttpFailure } from "../errors.ts";
import { hetznerErrorFromResponse } from "./errors.ts";

const conventions = JSON.parse(
  fs.readFileSync(path.join(defaultSpecsDir(), "hetzner-cloud-conventions.json"), "utf8"),
) as { error: { codes: { status: number; code: string }[] } };

const failure = (status: number, code: string, details: object | null = null): HttpFailure => ({
  provider: "hetzner",
  method: "POST",
  path: "/servers",
  status,
  body: { error: { code, message: `sim says ${code}`, details } },
  hints: { authentication: "token hint", invalidSize: "size hint" },
});

describe("hetznerErrorFromResponse", () => {
  it("classifies all 22 documented codes; retryable exactly for 429, 5xx and the 'please retry' ones", () => {
    const codes = conventions.error.codes;
    expect(codes).toHaveLength(22);
    const retryable = codes.filter((c) => hetznerErrorFromResponse(failure(c.status, c.code)).retryable);
    expect(retryable.map((c) => c.code).sort()).toEqual(
      [
        "bad_gateway",
        "conflict",
        "locked",
        "rate_limit_exceeded",
        "server_error",
        "timeout",
        "unavailable",
      ].sort(),
    );
    for (const c of codes) {
      const err = hetznerErrorFromResponse(failure(c.status, c.code));
      // The code is named in the message, so a rule matched (the fallback does not name it).
      expect(err.message).toContain(`(${c.status} ${c.code})`);
    }
  });

  it("tells a quota (403 resource_limit_exceeded) from a token problem (403 forbidden)", () => {
    const quota = hetznerErrorFromResponse(
      failure(403, "resource_limit_exceeded", { limits: [{ name: "server_limit" }] }),
    );
    expect(quota.kind).toBe("quota_exceeded");
    expect(quota.exitCode).not.toBe(4);
    expect(quota.hint).toMatch(/limit is reached/);
    const forbidden = hetznerErrorFromResponse(failure(403, "forbidden"));
    expect(forbidden.kind).toBe("authentication");
    expect(forbidden.hint).toMatch(/HCLOUD_TOKEN/);
  });

  it("keeps field details, hints at server types for a bad server_type, and names next steps", () => {
    const bad = hetznerErrorFromResponse(
      failure(422, "invalid_input", {
        fields: [{ name: "server_type", messages: ["server type not found"] }],
      }),
    );
    expect(bad.kind).toBe("invalid_config");
    expect(bad.fields).toEqual(["server_type: server type not found"]);
    expect(bad.hint).toBe("size hint");
    expect(hetznerErrorFromResponse(failure(409, "uniqueness_error")).hint).toMatch(/spuff down/);
    expect(hetznerErrorFromResponse(failure(409, "server_not_stopped")).hint).toMatch(/poweroff/);
    expect(hetznerErrorFromResponse(failure(412, "resource_unavailable")).hint).toMatch(/server-type list/);
  });

  it("falls back to the status for unknown codes and non-Hetzner bodies", () => {
    const unknown = hetznerErrorFromResponse(failure(503, "brand_new_code"));
    expect(unknown).toMatchObject({ kind: "api", retryable: true });
    expect(unknown.message).toContain("sim says brand_new_code");
    const html = hetznerErrorFromResponse({ ...failure(502, "x"), body: { message: "<html>bad gateway" } });
    expect(html).toMatchObject({ kind: "api", retryable: true, status: 502 });
  });
});
