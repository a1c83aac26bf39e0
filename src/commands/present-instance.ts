/** How instances are shown: a stable JSON shape (snake_case) and a plain table. */
import { formatDuration } from "../core/duration.ts";
import type { InstanceRecord } from "../state/types.ts";

export function instanceJson(r: InstanceRecord) {
  return {
    id: r.id,
    name: r.name,
    provider: r.provider,
    provider_id: r.providerId,
    region: r.region,
    size: r.size,
    image: r.image,
    // The prebuild it booted from (prebuild/key.ts PREBUILD_LABEL), or null.
    prebuild: r.tags["spuff-prebuild"] ?? null,
    ip: r.ip,
    ssh_port: r.sshPort,
    ssh_user: r.sshUser,
    status: r.status,
    phase: r.phase,
    tags: r.tags,
    host_key: r.hostKey,
    idle_timeout_ms: r.idleTimeoutMs,
    created_at: r.createdAt,
    ready_at: r.readyAt,
    deadline_at: r.deadlineAt,
    updated_at: r.updatedAt,
    error: r.error,
  };
}

export function age(createdAt: string, now: number): string {
  return formatDuration(Math.max(0, now - Date.parse(createdAt)));
}
