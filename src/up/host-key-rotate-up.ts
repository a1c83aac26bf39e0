/** `up`'s rotate_host_key phase: rotateHostKey over the login connection, checked by a fresh login. */
import type { Settings } from "../config/resolve.ts";
import type { Clock } from "../core/clock.ts";
import type { Connection } from "../ssh/connection.ts";
import { waitForLogin } from "../ssh/wait.ts";
import { loginUntilOffered, rotateHostKey } from "./host-key-rotate.ts";

export function rotateAfterLogin(
  conn: Connection,
  target: { host: string; user: string; accepted: string; signal?: AbortSignal },
  save: (keys: string) => void,
  o: { settings: Settings; clock: Clock; agentSocket: string | undefined },
): Promise<string> {
  const t = o.settings.timeouts;
  const login = (key: string) =>
    waitForLogin(
      {
        host: target.host,
        user: target.user,
        privateKeyPath: o.settings.sshKeyPath,
        agentSocket: o.agentSocket,
        pinnedHostKey: key,
        forwardAgent: "never",
      },
      { timeoutMs: 5_000, clock: o.clock, ...(target.signal ? { signal: target.signal } : {}) },
    );
  return rotateHostKey({
    conn,
    accepted: target.accepted,
    saveAccepted: save,
    loginWith: (key) => loginUntilOffered(login, key, t.sshLoginMs),
    timeoutMs: t.execMs,
  });
}
