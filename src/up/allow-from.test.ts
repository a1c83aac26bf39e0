/** `ssh.allow_from` against the address learned from a checkip service (the simulators' own, on loopback). */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors.ts";
import { startCheckIp } from "../sim/checkip.ts";
import { addressSource, assertSshAllowed, currentAddress, DEFAULT_CHECKIP_URL } from "./allow-from.ts";

let hostile: http.Server;
let hostileUrl = "";
const answers: Record<string, [number, string, Record<string, string>?]> = {
  "/html": [200, "<html>203.0.113.7</html>"],
  "/shell": [200, "127.0.0.1; rm -rf /"],
  "/500": [500, "oops"],
  "/redirect": [302, "", { location: "http://127.0.0.1:1/" }],
  "/v6": [200, "2001:db8::7\n"],
};
beforeAll(async () => {
  hostile = http.createServer((req, res) => {
    const [status, body, headers] = answers[req.url ?? ""] ?? [404, ""];
    res.writeHead(status, headers).end(body);
  });
  await new Promise<void>((r) => hostile.listen(0, "127.0.0.1", r));
  hostileUrl = `http://127.0.0.1:${(hostile.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => hostile.close(() => r())));

describe("ssh.allow_from check", () => {
  it("learns the loopback source address from the simulators' checkip service", async () => {
    const svc = await startCheckIp();
    try {
      expect(await currentAddress(addressSource({ SPUFF_CHECKIP_URL: svc.url }))).toBe("127.0.0.1");
    } finally {
      await svc.close();
    }
    expect(addressSource({}).url).toBe(DEFAULT_CHECKIP_URL);
  });

  it("passes an address inside a block, refuses one outside with a config error naming both", () => {
    expect(() => assertSshAllowed(["10.0.0.0/8", "127.0.0.0/8"], "127.0.0.1")).not.toThrow();
    const err = (() => {
      try {
        assertSshAllowed(["203.0.113.0/24"], "127.0.0.1");
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe("ssh_not_allowed");
    expect(err.message).toContain("127.0.0.1 is outside ssh.allow_from (203.0.113.0/24)");
    expect(err.hint).toContain("203.0.113.0/24,127.0.0.1/32");
    expect(() => assertSshAllowed(["2001:db8::/32"], "2001:db8::7")).not.toThrow();
  });

  it("refuses answers that are not one bare address, error statuses and redirects", async () => {
    const at = (p: string) => currentAddress(addressSource({ SPUFF_CHECKIP_URL: hostileUrl + p }));
    await expect(at("/html")).rejects.toThrow(/not an address/);
    await expect(at("/shell")).rejects.toThrow(/not an address/);
    await expect(at("/500")).rejects.toThrow(/HTTP 500/);
    await expect(at("/redirect")).rejects.toMatchObject({ code: "address_unknown" });
    expect(await at("/v6")).toBe("2001:db8::7");
  });
});
