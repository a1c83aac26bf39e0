/** One authenticated ssh2 Client, shared by every exec/SFTP/shell/forward of a command. */
import ssh2, { type Client, type ExecOptions, type ShellOptions } from "ssh2";
import type { ForwardAgent } from "../config/schema.ts";

// ssh2 is CommonJS: Node's ESM loader (tsx scripts) cannot see this class as a named export.
const { OpenSSHAgent } = ssh2;

export interface SshTarget {
  host: string;
  port: number;
  user: string;
}

/**
 * Per-session agent forwarding: ssh2 reads `agentForward` from exec/shell options (its type
 * definitions leave it out) and asks sshd for auth-agent@openssh.com on that session only.
 */
export function sessionOptions(agentForward: boolean): ExecOptions & ShellOptions {
  return (agentForward ? { agentForward: true } : {}) as ExecOptions;
}

/** An ssh-agent that serves the remote side only while `allowed()` (auth always goes through). */
export class GatedAgent extends OpenSSHAgent {
  constructor(
    socketPath: string,
    private readonly allowed: () => boolean,
  ) {
    super(socketPath);
  }

  override getStream(cb: Parameters<InstanceType<typeof OpenSSHAgent>["getStream"]>[0]): void {
    if (this.allowed()) super.getStream(cb);
    else cb(new Error("the forwarded agent is closed for this session"));
  }
}

export class Connection {
  /** Resolves when the underlying connection has closed, for whatever reason. */
  readonly closed: Promise<void>;
  private lastError: Error | undefined;
  private open = true;

  constructor(
    readonly client: Client,
    readonly target: SshTarget,
    /** Forwarding policy; only sessions that ask get the agent (and only with an agent socket). */
    private readonly forwardAgent: ForwardAgent = "never",
    private readonly hasAgent = false,
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

  /**
   * Whether a new session gets the user's agent: anything root on the VM can sign with it while
   * that session lasts, so under `auto` only sessions that need it (interactive shell, spuff.yaml
   * clones and hooks) ask; exec, status, logs, tunnels and agent calls never do.
   */
  agentFor(sessionNeedsAgent: boolean): boolean {
    if (!this.hasAgent || this.forwardAgent === "never") return false;
    return this.forwardAgent === "always" || sessionNeedsAgent;
  }

  private agentSessions = 0;

  /**
   * OpenSSH's sshd keeps a forwarded agent socket for the rest of the connection once any session
   * asked for it, and sets SSH_AUTH_SOCK in later sessions too. So the local side is the gate:
   * the agent answers the VM only while a session that asked for it is open (see connect.ts).
   * Returns the release, to call when that session closes.
   */
  holdAgent(): () => void {
    this.agentSessions++;
    let released = false;
    return () => {
      if (!released) this.agentSessions--;
      released = true;
    };
  }

  /** May the VM reach the user's agent now? */
  agentOpen(): boolean {
    return this.forwardAgent === "always" || (this.forwardAgent === "auto" && this.agentSessions > 0);
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
