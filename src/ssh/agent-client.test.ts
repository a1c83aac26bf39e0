/** The agent client over a real sshd; the "VM's" agent is an HTTP server on this machine's loopback. */
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useSshdConnection } from "../../test/helpers/sshd.ts";
import { ExitCode } from "../core/errors.ts";
import { openAgentClient } from "./agent-client.ts";

const t = useSshdConnection();
let agent: http.Server;
let agentPort: number;
let closedPort: number;

beforeAll(async () => {
  agent = http.createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.headers["x-spuff-token"] !== "right") {
      res.statusCode = 401;
      return res.end(JSON.stringify({ error: "unauthorized" }));
    }
    if (req.url === "/slow") return setTimeout(() => res.end("{}"), 2_000);
    res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((r) => agent.listen(0, "127.0.0.1", () => r()));
  agentPort = (agent.address() as net.AddressInfo).port;
  // A port nothing listens on: bound, read, released.
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
});
afterAll(() => new Promise((r) => agent?.close(r)));

describe("openAgentClient", () => {
  it("sends the token and returns the body", async () => {
    const c = await openAgentClient(t.conn, "right", 5_000, agentPort);
    try {
      expect(await c.get("/status?x=1")).toEqual({ path: "/status?x=1" });
    } finally {
      await c.close();
    }
  });

  it("a wrong token is an agent_error naming the status, with a hint", async () => {
    const c = await openAgentClient(t.conn, "wrong", 5_000, agentPort);
    try {
      const err = (await c.get("/status").catch((e: unknown) => e)) as Error;
      expect(err).toMatchObject({ code: "agent_error", hint: expect.stringContaining("token") });
      expect(err.message).toContain("401");
    } finally {
      await c.close();
    }
  });

  it("nothing listening on the VM is an SSH-side error (exit 9), not an internal one", async () => {
    const c = await openAgentClient(t.conn, "right", 5_000, closedPort, "box-7");
    try {
      await expect(c.get("/status")).rejects.toMatchObject({
        code: "agent_unreachable",
        exitCode: ExitCode.ssh,
        hint: "Check it on the machine: spuff exec box-7 -- systemctl status spuff-agent",
      });
    } finally {
      await c.close();
    }
  });

  it("a slow answer is a timeout (exit 8)", async () => {
    const c = await openAgentClient(t.conn, "right", 300, agentPort);
    try {
      await expect(c.get("/slow")).rejects.toMatchObject({ code: "timeout", exitCode: ExitCode.timeout });
    } finally {
      await c.close();
    }
  });
});
