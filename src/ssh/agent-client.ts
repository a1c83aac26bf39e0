/**
 * Talking to spuff-agent from the CLI: through an SSH tunnel to the VM's 127.0.0.1:7575, with
 * the instance's token in X-Spuff-Token (the agent answers 401 without the right one).
 */
import { TimeoutError, UserError } from "../core/errors.ts";
import { AGENT_PORT, openAgentTunnel } from "./agent-tunnel.ts";
import type { Connection } from "./connection.ts";
import { SshError } from "./errors.ts";

export interface AgentClient {
  get<T = unknown>(path: string): Promise<T>;
  close(): Promise<void>;
}

export async function openAgentClient(
  conn: Connection,
  token: string,
  timeoutMs = 5000,
  remotePort = AGENT_PORT,
  /** The instance's name, for a hint the user can paste. */
  name?: string,
): Promise<AgentClient> {
  const tunnel = await openAgentTunnel(conn, remotePort);
  return {
    async get<T>(path: string): Promise<T> {
      // A refused or dropped tunnel is an SSH-side failure (exit 9) with a next step, not a bug.
      const res = await fetch(`${tunnel.baseUrl}${path}`, {
        headers: { "x-spuff-token": token },
        signal: AbortSignal.timeout(timeoutMs),
      }).catch((err: Error) => {
        if (err.name === "TimeoutError") throw new TimeoutError(`spuff-agent answering ${path}`, timeoutMs);
        throw new SshError(
          "agent_unreachable",
          `spuff-agent did not answer on ${path}${conn.isOpen ? "" : " (the SSH connection closed)"}.`,
          {
            cause: err,
            hint: `Check it on the machine: spuff exec ${name ?? "<name>"} -- systemctl status spuff-agent`,
          },
        );
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
