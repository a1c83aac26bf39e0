import { describe, expect, it } from "vitest";
import { errorFromResponse } from "./errors.ts";

const fail = (status: number, message?: string) =>
  errorFromResponse({
    provider: "digitalocean",
    method: "POST",
    path: "/v2/droplets",
    status,
    body: message ? { id: "x", message, request_id: "req-1" } : undefined,
    hints: { authentication: "check TOKEN", invalidSize: "list sizes", quota: "delete unused droplets" },
  });

describe("errorFromResponse", () => {
  it.each([
    [401, "Unable to authenticate you", "authentication", 4, false, "check TOKEN"],
    [429, "slow down", "rate_limit", 7, true, "wait"],
    [404, undefined, "not_found", 7, false, undefined],
    [422, "You specified an invalid size for Droplet creation.", "invalid_config", 7, false, "list sizes"],
    [
      422,
      "creating this droplet will exceed your droplet limit",
      "quota_exceeded",
      7,
      false,
      "delete unused droplets",
    ],
    [503, "unavailable", "api", 7, true, undefined],
    [400, "bad", "invalid_config", 7, false, undefined],
  ] as const)("%i %s → %s", (status, message, kind, exit, retryable, hint) => {
    const e = fail(status, message);
    expect(e.kind).toBe(kind);
    expect(e.exitCode).toBe(exit);
    expect(e.retryable).toBe(retryable);
    if (hint) expect(e.hint).toContain(hint);
    expect(e.message).toContain("[POST] /v2/droplets");
    if (message) expect(e.requestId).toBe("req-1");
  });
});
