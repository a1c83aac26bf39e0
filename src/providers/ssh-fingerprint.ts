/**
 * The MD5 colon-hex fingerprint that DigitalOcean and Hetzner both report for an account SSH key
 * (same as `ssh-keygen -l -E md5`). Used by the clients to find a registered key and by the
 * simulators to compute what the real API would report.
 */
import { createRequire } from "node:module";

// node:crypto loads when a key is looked up (`up`), not with every provider client (`list --live`).
const require = createRequire(typeof __filename === "string" ? __filename : import.meta.url);

/** "" when the line has no base64 key blob. */
export function md5Fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? "", "base64");
  if (blob.length === 0) return "";
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  return createHash("md5").update(blob).digest("hex").match(/../g)?.join(":") ?? "";
}
