import { randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { UserError } from "../core/errors.ts";
import { PROVIDERS as PROVIDER_NAMES } from "../providers/catalog.ts";
import { buildCloudConfig } from "./build.ts";
import { serializeCloudConfig } from "./serialize.ts";
import { testArgs } from "./test-args.ts";
import { encodeUserData, USER_DATA_LIMITS } from "./user-data.ts";

/** Text of exactly `n` bytes; `random` makes it incompressible. */
function text(n: number, random = false): string {
  return random ? randomBytes(n).toString("base64").slice(0, n) : "#cloud-config\n".padEnd(n, "a");
}

function thrown(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error("did not throw");
}

describe("USER_DATA_LIMITS", () => {
  it("has the documented byte limits for every provider", () => {
    expect(USER_DATA_LIMITS).toEqual({ aws: 16_384, hetzner: 32_768, digitalocean: 65_536, local: null });
    expect(Object.keys(USER_DATA_LIMITS).sort()).toEqual([...PROVIDER_NAMES].sort());
  });

  it("a real generated config fits every provider as plain text", () => {
    const userData = serializeCloudConfig(buildCloudConfig(testArgs({ dotfiles: "https://x.test/d.git" })));
    for (const p of PROVIDER_NAMES) expect(encodeUserData(userData, p).kind).toBe("text");
  });
});

describe.each([
  ["hetzner", 32_768],
  ["digitalocean", 65_536],
] as const)("encodeUserData for %s", (provider, limit) => {
  it("passes text at exactly the limit through unchanged", () => {
    const t = text(limit);
    expect(encodeUserData(t, provider)).toEqual({ kind: "text", text: t, bytes: limit });
  });

  it("refuses one byte over with a UserError naming size, limit and next step", () => {
    const err = thrown(() => encodeUserData(text(limit + 1), provider));
    expect(err.code).toBe("user_data_too_large");
    expect(err.message).toBe(
      `Cloud-config is ${limit + 1} bytes; ${provider} accepts at most ${limit} bytes of user-data`,
    );
    expect(err.hint).toMatch(/dotfiles/);
  });

  it("counts bytes, not UTF-16 characters", () => {
    const t = "é".repeat(limit / 2 + 1); // 2 bytes each
    expect(() => encodeUserData(t, provider)).toThrow(UserError);
  });
});

describe("encodeUserData for aws", () => {
  it("passes text at the limit through unchanged", () => {
    expect(encodeUserData(text(16_384), "aws").kind).toBe("text");
  });

  it("gzips (then base64s) text over the limit, and it decompresses to the original", () => {
    const t = text(40_000);
    const r = encodeUserData(t, "aws");
    if (r.kind !== "gzip-base64") throw new Error(`expected gzip, got ${r.kind}`);
    expect(r.bytes).toBeLessThanOrEqual(16_384);
    const raw = Buffer.from(r.base64, "base64");
    expect(raw.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip magic cloud-init looks for
    expect(gunzipSync(raw).toString("utf8")).toBe(t);
    expect(encodeUserData(t, "aws")).toEqual(r); // deterministic
  });

  it("refuses incompressible text that stays over the limit", () => {
    const err = thrown(() => encodeUserData(text(30_000, true), "aws"));
    expect(err.message).toMatch(/^Cloud-config is \d+ bytes even gzip-compressed; aws accepts at most 16384/);
  });
});

describe("encodeUserData for local", () => {
  it("has no limit", () => {
    expect(encodeUserData(text(200_000), "local").kind).toBe("text");
  });
});
