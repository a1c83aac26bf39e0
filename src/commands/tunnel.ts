/**
 * `spuff tunnel [name] -p PORT[:REMOTE_PORT]…`: local 127.0.0.1:PORT → the VM's
 * 127.0.0.1:REMOTE_PORT, every forward on one pinned SSH connection, until SIGINT/SIGTERM (exit 0)
 * or the connection drops (an SSH error). With --json the mapping is one JSON line, printed once
 * every listener is bound, so a script can read the local ports (local 0 = any free port).
 * `--auto` follows the VM's listening ports as well (tunnel-auto.ts), reconnecting when it drops.
 */
import type { Deps } from "../cli/deps.ts";
import { type Interrupt, onInterrupt } from "../core/interrupt.ts";
import { readProjectRecord } from "../project/record.ts";
import { SshError } from "../ssh/errors.ts";
import { type Forward, forward } from "../ssh/forward.ts";
import { connectToInstance } from "./connect-instance.ts";
import { parsePortSpecs } from "./port-spec.ts";
import { resolveInstance } from "./resolve-instance.ts";
import { type AutoTunnelTuning, runAutoTunnel } from "./tunnel-auto.ts";
import { autoFixedPorts } from "./tunnel-ports.ts";

export interface TunnelOptions {
  port?: string[];
  /** Also follow the ports the dev user's processes listen on (tunnel-auto.ts). */
  auto?: boolean;
}

const HOST = "127.0.0.1";

/** `stop` defaults to the process's SIGINT/SIGTERM; tests pass their own (and tune --auto). */
export async function runTunnel(
  deps: Deps,
  name: string | undefined,
  opts: TunnelOptions = {},
  stop?: Interrupt,
  tuning?: AutoTunnelTuning,
): Promise<void> {
  const rec = await resolveInstance(deps, name);
  // Without -p: the ports of the spuff.yaml the instance was made with (same number both ends).
  const projectPorts = readProjectRecord(deps.paths.instanceDir(rec.name))?.ports ?? [];
  if (opts.auto) {
    const fixed = autoFixedPorts(opts.port ?? [], projectPorts);
    const interrupt = stop ?? onInterrupt();
    try {
      return await runAutoTunnel(deps, rec, fixed, interrupt, tuning);
    } finally {
      interrupt.dispose();
    }
  }
  const specs = parsePortSpecs(opts.port?.length ? opts.port : projectPorts.map(String));
  // Listen for signals before connecting: a Ctrl-C during the handshake still closes cleanly.
  const interrupt = stop ?? onInterrupt();
  const forwards: Forward[] = [];
  try {
    const conn = await connectToInstance(deps, rec);
    try {
      // Stopped during the handshake: nothing to forward, nothing to print.
      if (interrupt.signal.aborted) return;
      for (const s of specs) {
        forwards.push(
          await forward(conn, {
            localHost: HOST,
            localPort: s.localPort,
            remotePort: s.remotePort,
            onRefused: (err) =>
              deps.log.warn(`${rec.name}: the VM refused a connection to ${HOST}:${s.remotePort}`, {
                reason: err.message,
              }),
          }),
        );
      }
      const mapping = specs.map((s, i) => ({
        local_host: HOST,
        local_port: forwards[i]?.localPort as number,
        remote_host: HOST,
        remote_port: s.remotePort,
      }));
      if (deps.json) deps.io.out.write(`${JSON.stringify({ name: rec.name, forwards: mapping })}\n`);
      else {
        for (const m of mapping)
          deps.io.out.write(
            `${m.local_host}:${m.local_port} → ${rec.name}:${m.remote_host}:${m.remote_port}\n`,
          );
        deps.io.err.write("Forwarding. Press Ctrl-C to stop.\n");
      }
      const stopped = new Promise<"signal">((resolve) => {
        if (interrupt.signal.aborted) resolve("signal");
        interrupt.signal.addEventListener("abort", () => resolve("signal"), { once: true });
      });
      const why = await Promise.race([stopped, conn.closed.then(() => "closed" as const)]);
      if (why === "closed")
        throw new SshError(
          "tunnel_closed",
          `The SSH connection to ${rec.name} closed${conn.error ? `: ${conn.error.message}` : ""}.`,
          { hint: `Check the instance with \`spuff status ${rec.name}\`, then run the tunnel again.` },
        );
      if (!deps.json) deps.io.err.write(`Tunnel closed (${interrupt.received()}).\n`);
    } finally {
      await Promise.all(forwards.map((f) => f.close()));
      await conn.close();
    }
  } finally {
    interrupt.dispose();
  }
}
