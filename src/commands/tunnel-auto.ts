/**
 * `spuff tunnel --auto`: the fixed forwards (spuff.yaml ports, -p) plus every TCP port the dev
 * user's processes listen on, followed by polling the agent's GET /ports through the one pinned SSH
 * connection. A port that appears is forwarded (same local number when free, else any free one), a
 * port that goes is dropped, one event per change. A dropped connection is re-made with bounded
 * back-off (tunnel-reconnect.ts); the forwards come back on the local ports they had.
 */
import type { Deps } from "../cli/deps.ts";
import type { Clock } from "../core/clock.ts";
import { UserError } from "../core/errors.ts";
import type { Interrupt } from "../core/interrupt.ts";
import { type AgentClient, openAgentClient } from "../ssh/agent-client.ts";
import { AGENT_PORT } from "../ssh/agent-tunnel.ts";
import type { Connection } from "../ssh/connection.ts";
import { HostKeyMismatchError, SshError } from "../ssh/errors.ts";
import { type Forward, forward } from "../ssh/forward.ts";
import type { InstanceRecord } from "../state/types.ts";
import { readAgentToken } from "../up/agent-install.ts";
import { connectToInstance } from "./connect-instance.ts";
import { eventWriter, type ForwardSource, type TunnelEvent } from "./tunnel-events.ts";
import { diffPorts, type FixedPort, MAX_AUTO_FORWARDS, wantedPorts } from "./tunnel-ports.ts";
import {
  type BackoffPolicy,
  keepConnected,
  pause,
  type SessionEnd,
  TUNNEL_BACKOFF,
} from "./tunnel-reconnect.ts";

const LOCAL_HOST = "127.0.0.1";

/** What tests change: time, the poll period, the back-off, where the agent listens on the VM. */
export interface AutoTunnelTuning {
  clock?: Clock;
  pollMs?: number;
  backoff?: BackoffPolicy;
  agentPort?: number;
}

interface Entry {
  remote: number;
  remoteHost: string;
  /** The local port asked for (0 = any), then the one it got: a reconnect asks for it again. */
  local: number;
  source: ForwardSource;
  pid?: number;
  command?: string;
  fwd?: Forward;
}

/** Listens on the entry's local port when it can, else (unless `strict`) on any free one. */
async function open(conn: Connection, e: Entry, strict: boolean): Promise<boolean> {
  const opts = { localHost: LOCAL_HOST, remoteHost: e.remoteHost, remotePort: e.remote };
  const before = e.local;
  try {
    e.fwd = await forward(conn, { ...opts, localPort: e.local });
  } catch (err) {
    if (strict || !(err instanceof SshError) || e.local === 0) throw err;
    e.fwd = await forward(conn, { ...opts, localPort: 0 });
  }
  e.local = e.fwd.localPort;
  return e.local !== before;
}

/** A failed poll that reconnecting cannot fix: the agent refused us (token, too old, no dev user). */
const agentRefused = (err: unknown) => err instanceof UserError && err.code === "agent_error";

export async function runAutoTunnel(
  deps: Deps,
  rec: InstanceRecord,
  fixedPorts: readonly FixedPort[],
  interrupt: Interrupt,
  tuning: AutoTunnelTuning = {},
): Promise<void> {
  const token = readAgentToken(deps.paths.instanceDir(rec.name));
  deps.log.addSecret(token);
  if (!token)
    throw new UserError("no_agent_token", `No agent token is stored for ${rec.name}.`, {
      hint: `tunnel --auto asks the agent which ports listen; without it, name them: spuff tunnel ${rec.name} -p PORT`,
    });
  const tunnel = new AutoTunnel(deps, rec.name, token, fixedPorts, interrupt, tuning);
  const first = await connectToInstance(deps, rec);
  await keepConnected(
    {
      clock: tuning.clock ?? deps.clock,
      policy: tuning.backoff ?? TUNNEL_BACKOFF,
      signal: interrupt.signal,
      connect: () => connectToInstance(deps, rec),
      session: (conn) => tunnel.session(conn),
      fatal: (err) => err instanceof HostKeyMismatchError || agentRefused(err),
      onRetry: (r) =>
        tunnel.emit({
          event: "reconnecting",
          name: rec.name,
          attempt: r.attempt,
          of: r.of,
          delay_ms: r.delayMs,
          reason: r.reason.message,
        }),
      onReconnected: () => tunnel.emit({ event: "reconnected", name: rec.name }),
      giveUp: (reason, attempts) =>
        new SshError(
          "tunnel_lost",
          `Lost the SSH connection to ${rec.name} and ${attempts} attempts to reconnect failed: ${reason.message}`,
          { hint: `Check the instance with \`spuff status ${rec.name}\`, then run the tunnel again.` },
        ),
    },
    first,
  );
  if (!deps.json) deps.io.err.write(`Tunnel closed (${interrupt.received() ?? "stopped"}).\n`);
}

/** The forwards and one connected stretch of following the agent's ports. */
class AutoTunnel {
  readonly emit: (e: TunnelEvent) => void;
  private readonly fixed: Entry[];
  private readonly auto = new Map<number, Entry>();
  private readonly fixedRemotes: Set<number>;
  private firstSession = true;
  private followed = false;

  constructor(
    private readonly deps: Deps,
    private readonly name: string,
    private readonly token: string,
    fixedPorts: readonly FixedPort[],
    private readonly interrupt: Interrupt,
    private readonly tuning: AutoTunnelTuning,
  ) {
    this.emit = eventWriter(deps.io, deps.json);
    this.fixed = fixedPorts.map((p) => ({
      remote: p.remotePort,
      remoteHost: LOCAL_HOST,
      local: p.localPort,
      source: p.source,
    }));
    this.fixedRemotes = new Set(this.fixed.map((e) => e.remote));
  }

  private forwardEvent(e: Entry): TunnelEvent {
    return {
      event: "forward",
      name: this.name,
      remote: e.remote,
      remote_host: e.remoteHost,
      local: e.local,
      local_host: LOCAL_HOST,
      source: e.source,
      ...(e.source === "auto" ? { pid: e.pid, command: e.command } : {}),
    };
  }

  /** The agent's refusal, with a next step when it is an agent from before GET /ports. */
  private refusal(err: UserError): UserError {
    if (!/ answered 404 /.test(err.message)) return err;
    return new UserError(
      "agent_no_ports",
      `The agent on ${this.name} does not report ports (it predates GET /ports).`,
      {
        hint: `Name the ports instead: spuff tunnel ${this.name} -p PORT (a new \`spuff up\` brings the current agent).`,
      },
    );
  }

  /** Brings the auto forwards in line with one answer of GET /ports. */
  private async follow(conn: Connection, reported: unknown): Promise<void> {
    const changes = diffPorts(new Set(this.auto.keys()), wantedPorts(reported, this.fixedRemotes));
    for (const remote of changes.drop) {
      const e = this.auto.get(remote) as Entry;
      this.auto.delete(remote);
      await e.fwd?.close();
      this.emit({ event: "drop", name: this.name, remote, local: e.local, local_host: LOCAL_HOST });
    }
    for (const w of changes.add) {
      const e: Entry = { ...w, local: w.remote, source: "auto" };
      await open(conn, e, false);
      this.auto.set(w.remote, e);
      this.emit(this.forwardEvent(e));
    }
    if (changes.skipped > 0)
      this.emit({ event: "skipped", name: this.name, count: changes.skipped, max: MAX_AUTO_FORWARDS });
  }

  /** (Re)opens every forward on `conn`, then polls until the connection or the user ends it. */
  async session(conn: Connection): Promise<SessionEnd | undefined> {
    const stop = new AbortController();
    const onStop = () => stop.abort();
    this.interrupt.signal.addEventListener("abort", onStop, { once: true });
    void conn.closed.then(onStop);
    let agent: AgentClient | undefined;
    let healthy = false;
    try {
      if (this.interrupt.signal.aborted) return undefined;
      agent = await openAgentClient(conn, this.token, 5_000, this.tuning.agentPort ?? AGENT_PORT, this.name);
      // Fixed ports keep a fixed local port on the first connection (as plain `tunnel` does);
      // after a reconnect every forward asks for the port it had and says so if it got another.
      for (const e of [...this.fixed, ...this.auto.values()])
        if ((await open(conn, e, this.firstSession && e.local !== 0)) || this.firstSession)
          this.emit(this.forwardEvent(e));
      this.firstSession = false;
      while (!stop.signal.aborted) {
        let reported: unknown;
        try {
          reported = (await agent.get<{ ports?: unknown }>("/ports")).ports;
        } catch (err) {
          if (this.interrupt.signal.aborted) return undefined;
          if (agentRefused(err)) throw this.refusal(err as UserError);
          return { lost: err as Error, healthy };
        }
        healthy = true;
        await this.follow(conn, reported);
        // Once, after the first answer: from here on a port that appears gets forwarded.
        if (!this.followed) this.emit({ event: "following", name: this.name });
        this.followed = true;
        await pause(this.tuning.clock ?? this.deps.clock, this.tuning.pollMs ?? 500, stop.signal);
      }
      if (this.interrupt.signal.aborted) return undefined;
      return { lost: conn.error ?? new Error("the SSH connection closed"), healthy };
    } finally {
      this.interrupt.signal.removeEventListener("abort", onStop);
      for (const e of [...this.fixed, ...this.auto.values()]) {
        await e.fwd?.close();
        e.fwd = undefined;
      }
      await agent?.close();
      await conn.close();
    }
  }
}
