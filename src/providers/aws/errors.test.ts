/** EC2 error codes → spuff's ProviderError kinds, retryability and next steps. */
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../core/errors.ts";
import { awsCode, toProviderError } from "./errors.ts";

/** What the SDK throws for an EC2 error response: name = code, plus $metadata. */
const sdkError = (name: string, status: number, message = "m") =>
  Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status, requestId: "req-1" },
  });

describe("AWS error mapping", () => {
  it.each([
    ["AuthFailure", 401, "authentication", false, /AWS_ACCESS_KEY_ID/],
    ["UnauthorizedOperation", 403, "authentication", false, /ec2:RunInstances/],
    ["RequestLimitExceeded", 503, "rate_limit", true, /throttling/],
    ["InstanceLimitExceeded", 400, "quota_exceeded", false, /Service Quotas/],
    ["VcpuLimitExceeded", 400, "quota_exceeded", false, /Service Quotas/],
    ["InsufficientInstanceCapacity", 500, "api", false, /another size or region/],
    ["InvalidAMIID.NotFound", 400, "invalid_config", false, /per region/],
    ["InvalidParameterValue", 400, "invalid_config", false, undefined],
    ["InvalidInstanceID.NotFound", 400, "not_found", false, undefined],
    ["InternalError", 500, "api", true, undefined],
    ["Unavailable", 503, "api", true, undefined],
    ["IncorrectInstanceState", 400, "api", false, undefined],
  ])("%s (%i) → %s", (code, status, kind, retryable, hint) => {
    const e = toProviderError(sdkError(code, status), "RunInstances", "eu-west-1");
    expect(e.kind).toBe(kind);
    expect(e.retryable).toBe(retryable);
    expect(e.status).toBe(status);
    expect(e.requestId).toBe("req-1");
    expect(e.message).toContain(`AWS EC2 RunInstances (eu-west-1): ${code}`);
    if (hint) expect(e.hint).toMatch(hint);
    expect(awsCode(e)).toBe(code);
    expect(e.exitCode).toBe(kind === "authentication" ? ExitCode.auth : ExitCode.provider);
  });

  it("names the instance-type listing when EC2 rejects a size", () => {
    const e = toProviderError(
      sdkError("InvalidParameterValue", 400, "Invalid value 'huge' for InstanceType."),
      "RunInstances",
      "us-east-1",
    );
    expect(e.hint).toContain("aws ec2 describe-instance-types --region us-east-1");
  });

  it("errors without an HTTP answer: no credentials, timeouts, dropped connections", () => {
    const creds = toProviderError(
      Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      }),
      "DescribeInstances",
      "us-east-1",
    );
    expect(creds).toMatchObject({ kind: "authentication", retryable: false });
    expect(creds.hint).toMatch(/AWS_PROFILE/);
    expect(toProviderError(Object.assign(new Error("t"), { name: "TimeoutError" }), "X", "r")).toMatchObject({
      kind: "timeout",
      retryable: true,
    });
    expect(toProviderError(Object.assign(new Error("read"), { code: "ECONNRESET" }), "X", "r")).toMatchObject(
      { kind: "network", retryable: true },
    );
    expect(toProviderError(new Error("socket hang up"), "X", "r")).toMatchObject({
      kind: "network",
      retryable: true,
    });
    expect(awsCode(new Error("plain"))).toBeUndefined();
  });
});
