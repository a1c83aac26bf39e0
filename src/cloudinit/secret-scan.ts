/**
 * User-data is readable by anything on the VM that can reach the metadata service, and providers
 * keep it; so no API token or agent token may be in it. The host private key is the one
 * accepted exception (it protects only this VM, and sshd needs it before the CLI can connect).
 */
import { InternalError } from "../core/errors.ts";

/** Throws when any secret (or its base64 form) appears in the user-data; names it by index only. */
export function secretScan(userData: string, secrets: readonly string[]): void {
  const leaked: number[] = [];
  secrets.forEach((secret, i) => {
    // Very short "secrets" would match by accident and are not real tokens anyway.
    if (secret.length < 8) return;
    const b64 = Buffer.from(secret, "utf8").toString("base64");
    if (userData.includes(secret) || userData.includes(b64)) leaked.push(i);
  });
  if (leaked.length > 0) {
    // Never echo the secret itself into an error message or log.
    throw new InternalError(`user-data contains secret(s) at index ${leaked.join(", ")}`, {
      details: { leaked },
    });
  }
}
