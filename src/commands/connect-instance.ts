/** One pinned, authenticated SSH connection to an instance from state (ssh, exec, status…). */
import type { Deps } from "../cli/deps.ts";
import { UserError } from "../core/errors.ts";
import { connect } from "../ssh/connect.ts";
import type { Connection } from "../ssh/connection.ts";
import type { InstanceRecord } from "../state/types.ts";

export async function connectToInstance(deps: Deps, rec: InstanceRecord): Promise<Connection> {
  if (!rec.ip || !rec.hostKey) {
    throw new UserError(
      "instance_not_ready",
      `Instance ${rec.name} has no address or host key yet (status ${rec.status}).`,
      {
        hint:
          rec.status === "failed"
            ? `It failed during up; remove it: spuff down ${rec.name}`
            : "Wait for `spuff up` to finish.",
      },
    );
  }
  const settings = await deps.settings({ provider: rec.provider as never });
  return connect({
    host: rec.ip,
    port: rec.sshPort,
    user: rec.sshUser,
    privateKeyPath: settings.sshKeyPath,
    agentSocket: deps.env.SSH_AUTH_SOCK,
    pinnedHostKey: rec.hostKey,
    forwardAgent: settings.forwardAgent,
    readyTimeoutMs: settings.timeouts.sshLoginMs,
  });
}
