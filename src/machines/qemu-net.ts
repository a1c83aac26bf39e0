/**
 * A qemu machine's network: qemu runs in a network namespace of its own behind slirp4netns
 * `--disable-host-loopback` (local-machines-2.md §4). qemu's user-mode network maps 10.0.2.2 to
 * the loopback of the namespace it runs in, which is empty there, so the guest cannot reach
 * any service on the host's 127.0.0.1, while slirp4netns still takes it to Debian's mirror.
 * SSH: host 127.0.0.N:22 → (slirp4netns) → 10.0.2.100:2222 in the namespace → (qemu) → guest :22.
 */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import type { MachineLayout } from "./layout.ts";
import { addNetns, deleteNetns } from "./mounts.ts";
import { forwardSsh, startSlirp } from "./slirp.ts";

/** The namespace's own address (slirp4netns --configure) and the port qemu forwards to :22. */
export const NETNS_ADDRESS = "10.0.2.100";
export const NETNS_SSH_PORT = 2222;
/** slirp4netns' DNS forwarder, seen from the namespace. */
const SLIRP_DNS = "10.0.2.3";

/** `ip netns exec` puts /etc/netns/NAME/resolv.conf over /etc/resolv.conf for the program. */
const resolvDir = (netns: string) => path.join("/etc/netns", netns);

function hostResolverOnLoopback(): boolean {
  try {
    return /^\s*nameserver\s+(127\.|::1)/m.test(fs.readFileSync("/etc/resolv.conf", "utf8"));
  } catch {
    return false;
  }
}

/**
 * Makes the namespace and its NAT; resolves once 127.0.0.N:22 is forwarded into it. Returns the
 * slirp4netns PID. qemu is then started with `ip netns exec <netns>` (see launchPrefix).
 */
export async function setUpQemuNetwork(layout: MachineLayout, id: string, address: string): Promise<number> {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)) {
    throw new UserError("qemu_bad_address", `Refusing to forward SSH on ${address}: not a loopback address.`);
  }
  const netns = layout.netnsName(id);
  const dir = layout.machineDir(id);
  await addNetns(netns);
  // qemu's DNS forwarder reads resolv.conf; a host resolver on loopback is unreachable from here.
  if (hostResolverOnLoopback()) {
    fs.mkdirSync(resolvDir(netns), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(resolvDir(netns), "resolv.conf"), `nameserver ${SLIRP_DNS}\n`, {
      mode: 0o644,
    });
  }
  const sock = path.join(dir, "slirp.sock");
  const pid = startSlirp(`/run/netns/${netns}`, sock, path.join(dir, "slirp.log"), { configure: true });
  await forwardSsh(sock, address, { address: NETNS_ADDRESS, port: NETNS_SSH_PORT });
  return pid;
}

/** The command that runs qemu inside the machine's namespace. */
export function launchPrefix(layout: MachineLayout, id: string): string[] {
  return ["ip", "netns", "exec", layout.netnsName(id)];
}

/** Removes the namespace and its resolv.conf (after its processes are stopped). */
export async function tearDownQemuNetwork(layout: MachineLayout, id: string): Promise<void> {
  const netns = layout.netnsName(id);
  await deleteNetns(netns);
  fs.rmSync(resolvDir(netns), { recursive: true, force: true });
}
