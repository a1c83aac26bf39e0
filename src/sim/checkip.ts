/**
 * A what-is-my-address service on loopback, answering like checkip.amazonaws.com (the caller's
 * address as one plain-text line). `spuff up` asks it when `ssh.allow_from` is set: against the
 * simulators the address SSH comes from is the host's loopback source address.
 */
import http from "node:http";

export interface CheckIpServer {
  url: string;
  close(): Promise<void>;
}

export async function startCheckIp(port = 0): Promise<CheckIpServer> {
  const server = http.createServer((req, res) => {
    const addr = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    res.writeHead(200, { "content-type": "text/plain" }).end(`${addr}\n`);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
