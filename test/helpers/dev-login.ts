/**
 * A machine the test logs into as `dev`: user-data that makes the user with the test's key and
 * installs a host key made here, and the login that pins that host key once the machine has an
 * address.
 */
import { stringify } from "yaml";
import { generateHostKey } from "../../src/cloudinit/host-key.ts";
import type { Connection } from "../../src/ssh/connection.ts";
import { waitForLogin } from "../../src/ssh/wait.ts";

export interface DevLogin {
  userData: string;
  login(host: string, timeoutMs?: number): Promise<Connection>;
}

/** `userKey`: the test's private key file; `userPub`: its public key. */
export function devLogin(userKey: string, userPub: string): DevLogin {
  const hostKey = generateHostKey();
  return {
    userData: `#cloud-config\n${stringify({
      users: [{ name: "dev", shell: "/bin/bash", ssh_authorized_keys: [userPub] }],
      ssh_keys: { ed25519_private: hostKey.privateKey, ed25519_public: hostKey.publicKey },
    })}`,
    login: (host, timeoutMs = 60_000) =>
      waitForLogin(
        { host, user: "dev", privateKeyPath: userKey, pinnedHostKey: hostKey.publicKey },
        { timeoutMs },
      ),
  };
}
