/** A complete instance record for tests, with overrides. */
import type { NewInstance } from "../../src/state/types.ts";

export function sample(name: string, extra: Partial<NewInstance> = {}): NewInstance {
  return {
    name,
    provider: "digitalocean",
    providerId: null,
    region: "fra1",
    size: "s-2vcpu-4gb",
    image: null,
    ip: null,
    sshPort: 22,
    sshUser: "dev",
    status: "creating",
    phase: null,
    tags: { spuff: "true" },
    hostKey: null,
    idleTimeoutMs: 7_200_000,
    createdAt: "2026-11-22T00:00:00.000Z",
    readyAt: null,
    deadlineAt: null,
    error: null,
    ...extra,
  };
}
