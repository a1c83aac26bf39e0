/**
 * What stands behind a simulated instance. `none` only hands out loopback addresses; later
 * backends (containers, local VMs) boot a real machine there so SSH/agent tests can run.
 */

export interface MachineBackend {
  readonly name: string;
  /** Start (or pretend to start) a machine; resolves with the address it will answer on. */
  create(userData: string, instanceId: string): Promise<{ ip: string }>;
  destroy(instanceId: string): Promise<void>;
}

/** Allocates 127.0.0.N (N = 2…254, then 127.0.1.x …) without booting anything. */
export function noneBackend(): MachineBackend {
  let next = 2;
  const ips = new Map<string, string>();
  return {
    name: "none",
    async create(_userData, instanceId) {
      const n = next++;
      const ip = `127.0.${Math.floor(n / 254)}.${(n % 254) + 1}`;
      ips.set(instanceId, ip);
      return { ip };
    },
    async destroy(instanceId) {
      ips.delete(instanceId);
    },
  };
}
