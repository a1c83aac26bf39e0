/** The spuff-agent listens on the VM's loopback only; reach it through an SSH port forward. */
import type { Connection } from "./connection.ts";
import { forward } from "./forward.ts";

/** Where spuff-agent listens on the VM (architecture.md, "Agent HTTP API"). */
export const AGENT_PORT = 7575;

export interface AgentTunnel {
  /** e.g. "http://127.0.0.1:53211", for the agent client's injectable base URL. */
  baseUrl: string;
  close(): Promise<void>;
}

export async function openAgentTunnel(conn: Connection, remotePort = AGENT_PORT): Promise<AgentTunnel> {
  const fwd = await forward(conn, { remotePort });
  return { baseUrl: `http://127.0.0.1:${fwd.localPort}`, close: fwd.close };
}
