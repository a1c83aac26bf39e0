/**
 * A simulator backend like `none`, but its addresses (127.77.x.y) are ones nothing on the host
 * listens on: `spuff up` reliably waits in wait_ssh until it is killed or interrupted. `none`
 * hands out 127.0.0.N, where a parallel test's real machine may be answering SSH. `powerOff`
 * reports a guest that shut itself down, as the machine backends do (simulators that model it,
 * like Hetzner's, then show the instance "off").
 */
import type { MachineBackend } from "../../src/sim/backend.ts";

export function silentBackend(): MachineBackend & { powerOff(instanceId: string): void } {
  let next = 1;
  const stopped: ((instanceId: string) => void)[] = [];
  return {
    name: "none",
    async create() {
      const n = next++;
      return { ip: `127.77.${Math.floor(n / 250) % 250}.${(n % 250) + 1}` };
    },
    isReady: () => true,
    async destroy() {},
    async close() {},
    onStopped: (listener) => void stopped.push(listener),
    powerOff: (id) => {
      for (const l of stopped) l(id);
    },
  };
}
