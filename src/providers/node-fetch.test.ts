/**
 * The providers' node:http transport against a real loopback server: what http.ts reads (status,
 * headers, body) comes through, compressed bodies are decoded, transport failures look like
 * fetch's, aborts stop a hung request, one keep-alive connection serves a CLI run, and a process
 * that used it neither loads undici nor stays alive afterwards.
 */
import { execFile } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { nodeFetch } from "./node-fetch.ts";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  socket: unknown;
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(
  answer: (s: Seen, res: http.ServerResponse) => void,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const srv = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const s = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
        socket: req.socket,
      };
      seen.push(s);
      answer(s, res);
    });
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen };
}

const init = (o: Partial<Parameters<typeof nodeFetch>[1]> = {}) => ({
  method: "GET",
  headers: {},
  signal: new AbortController().signal,
  ...o,
});

describe("nodeFetch", () => {
  it("sends method, headers and body; returns status, ok, headers and text; two requests share one connection", async () => {
    const { url, seen } = await serve((s, res) => {
      res.writeHead(s.method === "POST" ? 201 : 404, { "x-request-id": "r-1", "retry-after": "3" });
      res.end(JSON.stringify({ echo: s.body }));
    });
    const posted = await nodeFetch(`${url}/v1/things?a=b%20c`, {
      ...init({ method: "POST", body: '{"name":"é"}' }),
      headers: { authorization: "Bearer t", "content-type": "application/json" },
    });
    expect(posted.status).toBe(201);
    expect(posted.ok).toBe(true);
    expect(posted.headers.get("X-Request-Id")).toBe("r-1");
    expect(posted.headers.get("missing")).toBeNull();
    expect(JSON.parse(await posted.text())).toEqual({ echo: '{"name":"é"}' });
    const missing = await nodeFetch(`${url}/v1/nothing`, init());
    expect([missing.status, missing.ok, missing.headers.get("retry-after")]).toEqual([404, false, "3"]);
    expect(seen.map((s) => [s.method, s.url])).toEqual([
      ["POST", "/v1/things?a=b%20c"],
      ["GET", "/v1/nothing"],
    ]);
    expect(seen[0]?.headers).toMatchObject({ authorization: "Bearer t", "content-length": "13" });
    expect(seen[0]?.socket).toBe(seen[1]?.socket);
  });

  it("decodes gzip and brotli bodies it asked for", async () => {
    const doc = JSON.stringify({ servers: Array.from({ length: 50 }, (_, i) => ({ id: i })) });
    const { url, seen } = await serve((s, res) => {
      const br = s.url === "/br";
      res.writeHead(200, { "content-encoding": br ? "br" : "gzip" });
      res.end(br ? zlib.brotliCompressSync(doc) : zlib.gzipSync(doc));
    });
    expect(await (await nodeFetch(`${url}/gz`, init())).text()).toBe(doc);
    expect(await (await nodeFetch(`${url}/br`, init())).text()).toBe(doc);
    expect(seen[0]?.headers["accept-encoding"]).toMatch(/gzip/);
  });

  it("a refused connection is fetch's TypeError with the code as its cause (http.ts names it)", async () => {
    const { url } = await serve(() => {});
    await new Promise((r) => servers.pop()?.close(r));
    const err = await nodeFetch(url, init()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as { cause?: { code?: string } }).cause?.code).toBe("ECONNREFUSED");
  });

  it("a connection cut in the middle of a body is a failure, not a short answer", async () => {
    const { url } = await serve((_s, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write('{"servers": [');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const err = await nodeFetch(url, init()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
  });

  it("an abort ends a request the server never answers, with the signal's reason", async () => {
    const { url } = await serve(() => {});
    const ctl = new AbortController();
    const started = Date.now();
    setTimeout(() => ctl.abort(new Error("timeout")), 50);
    const err = await nodeFetch(url, init({ signal: ctl.signal })).catch((e: unknown) => e);
    expect((err as Error).message).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("a process that used it loads no undici and nothing keeps it alive once the answers are in", async () => {
    const { url } = await serve((_s, res) => res.end("{}"));
    const script = [
      `const { nodeFetch } = await import(${JSON.stringify(path.join(import.meta.dirname, "node-fetch.ts"))});`,
      "const i = { method: 'GET', headers: {}, signal: new AbortController().signal };",
      `for (const p of ['/1', '/2']) await (await nodeFetch(${JSON.stringify(url)} + p, i)).text();`,
      "const undici = process.moduleLoadList.filter((m) => /undici/.test(m));",
      "console.log(JSON.stringify({ undici, alive: process.getActiveResourcesInfo() }));",
    ].join("\n");
    // Asynchronously: the server answering it lives in this process.
    const r = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      { encoding: "utf8", timeout: 20_000 },
    );
    const out = JSON.parse(r.stdout) as { undici: string[]; alive: string[] };
    expect(out.undici).toEqual([]);
    expect(out.alive.filter((x) => /TCP|Timeout/.test(x))).toEqual([]);
  }, 30_000);
});
