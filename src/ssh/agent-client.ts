/**
 * Talking to spuff-agent from the CLI: through an SSH tunnel to the VM's 127.0.0.1:7575, with
 * the instance's token in X-Spuff-Token (the agent answers 401 without the right one).
 */
import { UserError } from "../core/errors.ts";
import { openAgentTunnel } from "./agent-tunnel.ts";
import type { Connection } from "./connection.ts";

export interface AgentClient {
  get<T = unknown>(path: string): Promise<T>;
  close(): Promise<void>;
}

export async function openAgentClient(
  conn: Connection,
  token: string,
  timeoutMs = 5000,
): Promise<AgentClient> {
  const tunnel = await openAgentTunnel(conn);
  return {
    async get<T>(path: string): Promise<T> {
      const res = await fetch(`${tunnel.baseUrl}${path}`, {
        headers: { "x-spuff-token": token },
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      if (!res.ok) {
        throw new UserError(
          "agent_error",
          `spuff-agent answered ${res.status} on ${path}: ${body.error ?? "no detail"}`,
          {
            hint:
              res.status === 401
                ? "The local agent token does not match the VM's; run `spuff up` again for a new instance."
                : undefined,
          },
        );
      }
      return body as T;
    },
    close: () => tunnel.close(),
  };
}
