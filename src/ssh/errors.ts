/** SSH failures. All exit with ExitCode.ssh so scripts can tell "could not talk to the VM" apart. */
import { ExitCode, SpuffError, type SpuffErrorOptions } from "../core/errors.ts";

export class SshError extends SpuffError {
  constructor(code: string, message: string, options: SpuffErrorOptions = {}) {
    super(code, message, ExitCode.ssh, options);
  }
}

/**
 * The server presented a host key other than the one pinned at creation time. Never retried and
 * never "accepted": this is exactly the man-in-the-middle case pinning exists to stop.
 */
export class HostKeyMismatchError extends SshError {
  constructor(host: string, expected: string, presented: string) {
    super(
      "host_key_mismatch",
      `Host key mismatch for ${host}: expected ${expected}, server presented ${presented}. Connection refused.`,
      {
        hint: "The machine's identity changed since it was created. If you did not rebuild it, someone may be intercepting the connection.",
        details: { host, expected_fingerprint: expected, presented_fingerprint: presented },
      },
    );
  }
}

/** The server rejected every key we offered. */
export class SshAuthError extends SshError {
  constructor(user: string, host: string, methods: string[], options: SpuffErrorOptions = {}) {
    super(
      "ssh_auth_failed",
      `SSH authentication failed for ${user}@${host} (tried: ${methods.join(", ") || "nothing"})`,
      options,
    );
  }
}
