/**
 * One authenticated conversation with an instance's spuff-agent: the pinned SSH connection, a
 * tunnel to the agent's loopback port and the instance's token, closed in reverse order whatever
 * `work` does. Every command that talks to the agent (status, logs, agent) goes through here.
 */
import type { Deps } from "../cli/deps.ts";
import { UserError } from "../core/errors.ts";
import { type AgentClient, openAgentClient } from "../ssh/agent-client.ts";
import type { Connection } from "../ssh/connection.ts";
import type { InstanceRecord } from "../state/types.ts";
import { readAgentToken } from "../up/agent-install.ts";
import { connectToInstance } from "./connect-instance.ts";

export async function withAgent<T>(
  deps: Deps,
  rec: InstanceRecord,
  work: (agent: AgentClient, conn: Connection) => Promise<T>,
  /** Per request (default 5 s); longer for answers the agent has to work for (GET /unsaved). */
  timeoutMs?: number,
): Promise<T> {
  const token = readAgentToken(deps.paths.instanceDir(rec.name));
  deps.log.addSecret(token);
  if (!token)
    throw new UserError("no_agent_token", `No agent token is stored for ${rec.name}.`, {
      hint: "The instance was not brought up by this spuff (or its files were removed); `spuff exec` still works.",
    });
  const conn = await connectToInstance(deps, rec);
  try {
    const agent = await openAgentClient(conn, token, timeoutMs, undefined, rec.name);
    try {
      return await work(agent, conn);
    } finally {
      await agent.close();
    }
  } finally {
    await conn.close();
  }
}
