/** One authenticated ssh2 Client, shared by every exec/SFTP/shell/forward of a command. */
import type { Client } from "ssh2";

export interface SshTarget {
  host: string;
  port: number;
  user: string;
}

export class Connection {
  /** Resolves when the underlying connection has closed, for whatever reason. */
  readonly closed: Promise<void>;
  private lastError: Error | undefined;
  private open = true;

  constructor(
    readonly client: Client,
    readonly target: SshTarget,
  ) {
    // Without an 'error' listener a dropped connection would crash the process.
    client.on("error", (err) => {
      this.lastError = err;
    });
    this.closed = new Promise((resolve) => {
      client.once("close", () => {
        this.open = false;
        resolve();
      });
    });
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** The error that ended the connection, if any. */
  get error(): Error | undefined {
    return this.lastError;
  }

  /** Close politely; resolves once the socket is gone. Safe to call twice. */
  close(): Promise<void> {
    if (this.open) this.client.end();
    return this.closed;
  }
}
