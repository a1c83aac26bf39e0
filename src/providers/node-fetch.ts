/**
 * The providers' default transport: the part of `fetch` http.ts uses, on node:http/node:https with
 * one keep-alive agent per protocol. Node's global fetch (undici) costs a CLI run twice: ~40 ms to
 * load on the first request, and at exit Node waits for V8 to finish compiling undici's WebAssembly
 * HTTP parser in the background (~60 ms after the output is printed; BENCHMARKS.md, Hetzner list).
 * node:http parses in C and its agent unrefs idle sockets, so a finished command exits at once.
 * http.ts keeps the one retry policy; any fetch (tests, other transports) can still be injected.
 */
import http from "node:http";

export interface HeaderGetter {
  get(name: string): string | null;
}

export interface FetchLikeInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface FetchLikeResponse {
  status: number;
  ok: boolean;
  headers: HeaderGetter;
  text(): Promise<string>;
}

/** What http.ts needs from a transport; the global fetch is one. */
export type FetchLike = (url: string, init: FetchLikeInit) => Promise<FetchLikeResponse>;

/** A bound on a response body: provider answers are JSON pages, far below this. */
const MAX_BODY = 64 * 1024 * 1024;

type Transport = { request: typeof http.request; agent: http.Agent };
let plain: Transport | undefined;
let tls: Promise<Transport> | undefined;

/** node:https (and with it TLS) loads only for an https URL: the simulators speak plain http. */
function transport(protocol: string): Transport | Promise<Transport> {
  if (protocol === "http:") {
    plain ??= { request: http.request, agent: new http.Agent({ keepAlive: true }) };
    return plain;
  }
  tls ??= import("node:https").then((https) => ({
    request: https.request,
    agent: new https.Agent({ keepAlive: true }),
  }));
  return tls;
}

export const nodeFetch: FetchLike = async (url, init) => {
  const target = new URL(url);
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    throw new TypeError(`unsupported protocol ${target.protocol}`);
  }
  return send(target, init, await transport(target.protocol));
};

function send(target: URL, init: FetchLikeInit, t: Transport): Promise<FetchLikeResponse> {
  return new Promise((resolve, reject) => {
    if (init.signal.aborted) return reject(init.signal.reason);
    const headers: Record<string, string> = { "accept-encoding": "gzip, br", ...init.headers };
    if (init.body !== undefined) headers["content-length"] = String(Buffer.byteLength(init.body));
    const req = t.request(target, { method: init.method, headers, agent: t.agent });
    const onAbort = () => req.destroy(init.signal.reason);
    init.signal.addEventListener("abort", onAbort, { once: true });
    const fail = (err: unknown) => {
      init.signal.removeEventListener("abort", onAbort);
      // As fetch does: a transport failure is a TypeError whose cause carries the code (ECONNREFUSED…).
      reject(init.signal.aborted ? init.signal.reason : new TypeError("fetch failed", { cause: err }));
    };
    req.on("error", fail);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) res.destroy(new Error(`response body over ${MAX_BODY} bytes`));
        else chunks.push(c);
      });
      // A connection cut mid-body arrives here (Node errors an incomplete response): not a short answer.
      res.on("error", fail);
      res.on("end", () => {
        init.signal.removeEventListener("abort", onAbort);
        decode(Buffer.concat(chunks), res.headers["content-encoding"]).then((body) => {
          const status = res.statusCode ?? 0;
          resolve({
            status,
            ok: status >= 200 && status < 300,
            headers: headerGetter(res.headers),
            text: async () => body,
          });
        }, fail);
      });
    });
    req.end(init.body);
  });
}

function headerGetter(h: http.IncomingHttpHeaders): HeaderGetter {
  return {
    get(name) {
      const v = h[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    },
  };
}

async function decode(buf: Buffer, encoding: string | undefined): Promise<string> {
  const coding = encoding?.trim().toLowerCase();
  if (!coding || coding === "identity") return buf.toString("utf8");
  // zlib loads only when a compressed answer comes (~7 ms of start-up otherwise).
  const zlib = await import("node:zlib");
  const unzip = (f: (b: Buffer, cb: (e: Error | null, r: Buffer) => void) => void) =>
    new Promise<Buffer>((ok, no) => f(buf, (e, r) => (e ? no(e) : ok(r))));
  switch (coding) {
    case "gzip":
    case "x-gzip":
      return (await unzip(zlib.gunzip)).toString("utf8");
    case "deflate":
      return (await unzip(zlib.inflate)).toString("utf8");
    case "br":
      return (await unzip(zlib.brotliDecompress)).toString("utf8");
    default:
      throw new Error(`unsupported content-encoding ${encoding}`);
  }
}
