/** Shared fixtures for the cloudinit tests (not shipped: only *.test.ts files import this). */
import type { CloudConfigArgs } from "./args.ts";
import { generateHostKey } from "./host-key.ts";

const hostKey = generateHostKey("spuff-test-host");
const userKey = generateHostKey("me@laptop").publicKey;

export function testArgs(over: Partial<CloudConfigArgs> = {}): CloudConfigArgs {
  return {
    hostname: "spuff-ab12",
    user: "dev",
    userPublicKey: userKey,
    hostKey,
    provider: "hetzner",
    idleTimeoutSeconds: 7200,
    maxLifetimeSeconds: 86_400,
    createdAt: "2026-11-22T05:40:00.000Z",
    teardown: "destroy",
    ...over,
  };
}
