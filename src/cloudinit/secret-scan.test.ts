import { describe, expect, it } from "vitest";
import { InternalError } from "../core/errors.ts";
import { buildCloudConfig } from "./build.ts";
import { secretScan } from "./secret-scan.ts";
import { serializeCloudConfig } from "./serialize.ts";
import { testArgs } from "./test-args.ts";
import { encodeUserData } from "./user-data.ts";

describe("secretScan", () => {
  // Secrets the caller holds while building user-data: they sit right next to the args.
  const env = {
    HCLOUD_TOKEN: "hc_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS",
    SPUFF_AGENT_TOKEN: "agt_ZmFrZS1hZ2VudC10b2tlbi1mb3ItdGVzdHM",
  };

  it("finds no API or agent token in user-data built with them in scope", () => {
    const args = {
      ...testArgs({ dotfiles: "https://example.test/dots.git" }),
      env,
      apiToken: env.HCLOUD_TOKEN,
    };
    const userData = serializeCloudConfig(buildCloudConfig(args));
    expect(() => secretScan(userData, Object.values(env))).not.toThrow();
    // The one secret that must be present: the pinned host private key.
    expect(userData).toContain(args.hostKey.privateKey.split("\n")[1]);
  });

  it("finds none in the gzip form either (it decodes to the same text)", () => {
    const userData = serializeCloudConfig(buildCloudConfig(testArgs({ extraPackages: ["a-b"] })));
    const enc = encodeUserData(userData, "aws");
    expect(() => secretScan(enc.kind === "text" ? enc.text : enc.base64, Object.values(env))).not.toThrow();
  });

  it("fails when a token is present, naming only its index", () => {
    const cfg = buildCloudConfig(testArgs());
    cfg.final_message = `token ${env.SPUFF_AGENT_TOKEN}`;
    const userData = serializeCloudConfig(cfg);
    let err: unknown;
    try {
      secretScan(userData, Object.values(env));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InternalError);
    expect((err as Error).message).toBe("user-data contains secret(s) at index 1");
    expect((err as Error).message).not.toContain(env.SPUFF_AGENT_TOKEN);
  });

  it("also catches a base64-encoded token", () => {
    const b64 = Buffer.from(env.HCLOUD_TOKEN).toString("base64");
    expect(() => secretScan(`x: ${b64}\n`, [env.HCLOUD_TOKEN])).toThrow(/index 0/);
  });
});
