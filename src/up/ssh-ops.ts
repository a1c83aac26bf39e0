/**
 * What `up` does over SSH, as one interface handed to applyUp (up/apply.ts): the real one below
 * talks to sshd with the pinned key and the injected clock; unit tests pass a fake and so cover
 * every phase's failure without a machine. Timeouts come from the settings, time from the clock.
 */
import type { Settings } from "../config/resolve.ts";
import type { Clock } from "../core/clock.ts";
import { UserError } from "../core/errors.ts";
import type { Volume } from "../providers/types.ts";
import type { Connection } from "../ssh/connection.ts";
import { exec } from "../ssh/exec.ts";
import { waitForLogin, waitForPort } from "../ssh/wait.ts";
import { startAgent, uploadAgent } from "./agent-install.ts";
import { cloudInitTail, followCloudInitLog } from "./cloud-init-log.ts";
import { waitCloudInit } from "./cloud-init-wait.ts";
import { deliverEnvironment, type EnvironmentPlan, runSetup, type SetupReport } from "./environment.ts";
import { rotateAfterLogin } from "./host-key-rotate-up.ts";
import { type MountResult, mountCommand, parseMountOutput } from "./volume.ts";

/** The least applyUp needs of a connection: closing it when `up` fails. */
export interface UpConnection {
  close(): Promise<void>;
}

export interface UpSshOps<C extends UpConnection> {
  /** sshd answers on port 22 (its banner, not just an open port). */
  waitSsh(host: string, signal?: AbortSignal): Promise<void>;
  /** Log in as `user`, accepting only `hostPublicKey` (the user exists once cloud-init made it). */
  login(host: string, user: string, hostPublicKey: string, signal?: AbortSignal): Promise<C>;
  /**
   * Replace the host key user-data carried by one made on the VM; `save` persists the accepted
   * keys at each step (old, old + new, new). Resolves with the new key.
   */
  rotateHostKey(
    conn: C,
    target: { host: string; user: string; accepted: string; signal?: AbortSignal },
    save: (keys: string) => void,
  ): Promise<string>;
  /** The agent bundle, its token (and the reaper token, if configured) installed as root. */
  uploadAgent(conn: C, bundle: string, token: string): Promise<void>;
  /** Until cloud-init has finished without errors; `onLine` gets its log's last line meanwhile. */
  waitCloudInit(conn: C, onLine: (line: string) => void): Promise<string>;
  /** Start the unit and wait for an authenticated answer. */
  startAgent(conn: C, token: string): Promise<void>;
  deliverEnvironment(conn: C, env: EnvironmentPlan, user: string): Promise<string>;
  runSetup(conn: C, user: string, onProgress: (line: string) => void): Promise<SetupReport>;
  /** Format (only if blank) and mount the attached volume at ~/workspace (up/volume.ts). */
  mountVolume?(conn: C, volume: Volume, user: string): Promise<MountResult>;
  /** The last lines of cloud-init's output, for the error of a failed `up`. */
  cloudInitTail(conn: C): Promise<string | undefined>;
}

export function sshOps(
  settings: Settings,
  clock: Clock,
  agentSocket: string | undefined,
): UpSshOps<Connection> {
  const t = settings.timeouts;
  return {
    waitSsh: (host, signal) => waitForPort(host, 22, { timeoutMs: t.sshPortMs, clock, signal }),
    login: (host, user, hostPublicKey, signal) =>
      waitForLogin(
        {
          host,
          user,
          privateKeyPath: settings.sshKeyPath,
          agentSocket,
          pinnedHostKey: hostPublicKey,
          forwardAgent: settings.forwardAgent,
        },
        { timeoutMs: t.sshLoginMs, clock, signal },
      ),
    rotateHostKey: (conn, target, save) =>
      rotateAfterLogin(conn, target, save, {
        settings,
        clock,
        agentSocket,
      }),
    uploadAgent: (conn, bundle, token) =>
      uploadAgent(conn, bundle, token, t.execMs, settings.reaperToken?.value, clock),
    waitCloudInit: async (conn, onLine) => {
      const follow = followCloudInitLog(conn, onLine, {
        maxPolls: Math.ceil(t.cloudInitMs / 1000) + 1,
        clock,
      });
      try {
        return await waitCloudInit(conn, t.cloudInitMs, { clock });
      } finally {
        follow.stop();
      }
    },
    startAgent: (conn, token) => startAgent(conn, token, t.execMs, clock),
    deliverEnvironment: (conn, env, user) => deliverEnvironment(conn, env, user, t.execMs, clock),
    runSetup: (conn, user, onProgress) => runSetup(conn, user, onProgress, { clock }),
    cloudInitTail: (conn) => cloudInitTail(conn, clock),
    mountVolume: async (conn, volume, user) => {
      const { command, stdin } = mountCommand(volume, user);
      const r = await exec(conn, command, { timeoutMs: t.execMs, stdin, clock });
      if (r.exitCode !== 0)
        throw new UserError(
          "volume_mount_failed",
          `Mounting volume ${volume.name} failed (exit ${r.exitCode}): ${r.stderr.trim()}`,
          {
            hint: `The volume stays attached and untouched; see the machine with: spuff ssh, then ls -l ${volume.devicePath}`,
          },
        );
      return parseMountOutput(r.stdout, volume);
    },
  };
}
