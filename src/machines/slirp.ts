/**
 * User-mode NAT for a machine's network namespace: slirp4netns gives the guest outbound access
 * (10.0.2.0/24, DNS at 10.0.2.3) and forwards 127.0.0.N:22 on the host to the guest's sshd.
 * `--disable-host-loopback` keeps the guest from reaching the host's own 127.0.0.1 services.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { UserError } from "../core/errors.ts";

/** slirp4netns' built-in DHCP hands the guest this address. */
export const GUEST_ADDRESS = "10.0.2.15";
/** The guest's gateway; slirp maps it to the host's 127.0.0.1 unless host loopback is disabled. */
export const HOST_FROM_GUEST = "10.0.2.2";

export interface SlirpOptions {
  /**
   * Let the guest reach the host's 127.0.0.1 through 10.0.2.2, with every connection it makes
   * leaving from this loopback address (`--outbound-addr`), so a server on the host can tell
   * machines apart by source address and the guest has no route to anything but loopback.
   * Only the simulator's machine backend sets it (its metadata service and API live on the
   * host's loopback); local machines keep `--disable-host-loopback`.
   */
  hostLoopbackFrom?: string;
}

/** The network flags for one machine; refuses an outbound address outside 127.0.0.0/8. */
export function slirpNetworkArgs(o: SlirpOptions = {}): string[] {
  if (o.hostLoopbackFrom === undefined) return ["--disable-host-loopback"];
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(o.hostLoopbackFrom)) {
    throw new UserError("slirp_failed", `Outbound address ${o.hostLoopbackFrom} is not on loopback.`);
  }
  return [`--outbound-addr=${o.hostLoopbackFrom}`];
}

/**
 * Starts slirp4netns for a network namespace: a /run/netns path, or a process in it (the PID 1
 * of a user-namespaced machine, whose netns nspawn made). `configure`: slirp4netns sets up eth0
 * itself (10.0.2.100, route via 10.0.2.2) for a namespace whose guest does not run DHCP (qemu's).
 */
export function startSlirp(
  target: string | number,
  apiSocket: string,
  logFile: string,
  o: SlirpOptions & { configure?: boolean } = {},
): number {
  const args = slirpNetworkArgs(o);
  const log = fs.openSync(logFile, "a", 0o600);
  const where = typeof target === "number" ? [String(target)] : ["--netns-type=path", target];
  const child = spawn(
    "slirp4netns",
    [
      "--mtu=65520",
      ...(o.configure ? ["--configure"] : []),
      ...args,
      "--api-socket",
      apiSocket,
      ...where,
      "eth0",
    ],
    { detached: true, stdio: ["ignore", log, log] },
  );
  fs.closeSync(log);
  child.unref();
  if (!child.pid) throw new UserError("slirp_failed", "slirp4netns did not start.");
  return child.pid;
}

/**
 * Waits (≤ timeoutMs) for the API socket to accept connections, then asks slirp4netns to forward
 * host:22 → guest:22. slirp4netns binds the socket before it listens, so the file can exist and
 * still refuse a connection for a moment (seen under CI load): a refusal is retried like a
 * missing file, within the same deadline.
 */
export async function forwardSsh(
  apiSocket: string,
  hostAddress: string,
  guest: { address: string; port: number } = { address: GUEST_ADDRESS, port: 22 },
  // Only a failure waits this long; on a loaded CI host slirp4netns itself can take seconds to start.
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const request = {
    execute: "add_hostfwd",
    arguments: {
      proto: "tcp",
      host_addr: hostAddress,
      host_port: 22,
      guest_addr: guest.address,
      guest_port: guest.port,
    },
  };
  let reply: string | undefined;
  while (reply === undefined) {
    try {
      reply = await slirpRequest(apiSocket, request, timeoutMs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ECONNREFUSED") throw e;
      if (Date.now() > deadline)
        throw new UserError("slirp_failed", `slirp4netns did not open its API socket (${code}).`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  if (!reply.includes('"return"')) {
    throw new UserError(
      "slirp_failed",
      `Could not forward ${hostAddress}:22 into the machine: ${reply.trim()}`,
      {
        hint: `Is something else listening on ${hostAddress}:22 (or 0.0.0.0:22)? Check with: ss -ltn`,
      },
    );
  }
}

/** One request to slirp4netns' API socket; resolves with its raw JSON reply. */
export function slirpRequest(apiSocket: string, request: object, timeoutMs = 5000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const sock = net.connect(apiSocket);
    let data = "";
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error("slirp4netns API timed out")));
    sock.on("connect", () => sock.end(JSON.stringify(request)));
    sock.on("data", (b) => {
      data += b.toString("utf8");
    });
    sock.on("end", () => resolve(data));
    sock.on("error", reject);
  });
}

interface HostForward {
  id: number;
  proto: string;
  host_addr: string;
  host_port: number;
}

/**
 * Makes exactly `ports` of `hostAddress` forward to the same ports of the guest (TCP): removes
 * the forwards of other ports, adds the missing ones. A port without a forward is refused.
 */
export async function setHostForwards(
  apiSocket: string,
  hostAddress: string,
  ports: readonly number[],
  guestAddress = GUEST_ADDRESS,
): Promise<void> {
  // slirp4netns 1.x answers list_hostfwd with {"entries": […]} (not wrapped in "return").
  const listed = JSON.parse(await slirpRequest(apiSocket, { execute: "list_hostfwd" })) as {
    entries?: HostForward[];
    return?: { entries?: HostForward[] };
  };
  const current = (listed.entries ?? listed.return?.entries ?? []).filter(
    (e) => e.proto === "tcp" && e.host_addr === hostAddress,
  );
  for (const e of current.filter((x) => !ports.includes(x.host_port))) {
    await slirpRequest(apiSocket, { execute: "remove_hostfwd", arguments: { id: e.id } });
  }
  for (const port of ports.filter((p) => !current.some((e) => e.host_port === p))) {
    const reply = await slirpRequest(apiSocket, {
      execute: "add_hostfwd",
      arguments: {
        proto: "tcp",
        host_addr: hostAddress,
        host_port: port,
        guest_addr: guestAddress,
        guest_port: port,
      },
    });
    if (!reply.includes('"return"'))
      throw new UserError(
        "slirp_failed",
        `Could not forward ${hostAddress}:${port} into the machine: ${reply.trim()}`,
      );
  }
}
