/**
 * Local port forwarding (`ssh -L`): a loopback listener whose every socket becomes a direct-tcpip
 * channel on the shared connection, so it coexists with shells and execs on the same Client.
 */
import net from "node:net";
import type { Connection } from "./connection.ts";
import { SshError } from "./errors.ts";

export interface ForwardOptions {
  remotePort: number;
  remoteHost?: string;
  /** 0 (default) picks a free port. */
  localPort?: number;
  localHost?: string;
  /** A connection the remote end refused (nothing listening, sshd said no): the caller tells the user. */
  onRefused?: (err: Error) => void;
}

export interface Forward {
  localPort: number;
  close(): Promise<void>;
}

export async function forward(conn: Connection, opts: ForwardOptions): Promise<Forward> {
  const remoteHost = opts.remoteHost ?? "127.0.0.1";
  const localHost = opts.localHost ?? "127.0.0.1";
  const sockets = new Set<net.Socket>();
  // allowHalfOpen: a client that sends its request and half-closes (HTTP/1.0, `nc -N`) still gets
  // the reply; the channel is closed when either side is gone.
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => sock.destroy());
    sock.pause();
    conn.client.forwardOut(
      sock.remoteAddress ?? localHost,
      sock.remotePort ?? 0,
      remoteHost,
      opts.remotePort,
      (err, channel) => {
        // The remote refused (nothing listening there): the local client sees a closed socket.
        if (err) {
          opts.onRefused?.(err);
          return sock.destroy();
        }
        channel.on("error", () => sock.destroy());
        channel.on("close", () => sock.destroy());
        sock.on("close", () => channel.close());
        sock.pipe(channel).pipe(sock);
        sock.resume();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) =>
      reject(
        new SshError(
          "forward_listen_failed",
          `Cannot listen on ${localHost}:${opts.localPort ?? 0}: ${err.message}`,
        ),
      ),
    );
    server.listen(opts.localPort ?? 0, localHost, () => resolve());
  });
  const localPort = (server.address() as net.AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  // A dead connection makes the listener useless; stop accepting.
  void conn.closed.then(() => (server.listening ? close() : undefined));
  return { localPort, close };
}
