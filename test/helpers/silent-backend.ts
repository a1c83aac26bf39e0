/**
 * A simulator backend like `none`, but its addresses (127.77.x.y) are ones nothing on the host
 * listens on: `spuff up` reliably waits in wait_ssh until it is killed or interrupted. `none`
 * hands out 127.0.0.N, where a parallel test's real machine may be answering SSH.
 */
import type { MachineBackend } from "../../src/sim/backend.ts";

export function silentBackend(): MachineBackend {
  let next = 1;
  return {
    name: "none",
    async create() {
      const n = next++;
      return { ip: `127.77.${Math.floor(n / 250) % 250}.${(n % 250) + 1}` };
    },
    isReady: () => true,
    async destroy() {},
    async close() {},
  };
}
