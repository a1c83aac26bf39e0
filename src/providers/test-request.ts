/** The InstanceRequest provider tests create: Ubuntu 24.04, a fresh ed25519 key, one user label. */
import { generateHostKey } from "../cloudinit/host-key.ts";
import type { InstanceRequest } from "./types.ts";

export function testRequest(
  name: string,
  placement: { region: string; size: string },
  over: Partial<InstanceRequest> = {},
): InstanceRequest {
  return {
    name,
    region: placement.region,
    size: placement.size,
    image: { kind: "ubuntu", version: "24.04" },
    userData: "#cloud-config\n{}\n",
    labels: { owner: "me" },
    sshPublicKey: generateHostKey("me@laptop").publicKey,
    ...over,
  };
}
