/**
 * The providers' default transport: the part of `fetch` http.ts uses, on node:http/node:https with
 * one keep-alive agent per protocol. Node's global fetch (undici) costs a CLI run twice: ~40 ms to
 * load on the first request, and at exit Node waits for V8 to finish compiling undici's WebAssembly
 * HTTP parser in the background (~60 ms after the output is printed; BENCHMARKS.md, Hetzner list).
 * node:http parses in C and its agent unrefs idle sockets, so a finished command exits at once.
 * http.ts keeps the one retry policy; any fetch (tests, other transports) can still be injected.
 */
import http from "node:http";
import https from "node:https";
import zlib from "node:zlib";

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

const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

export const nodeFetch: FetchLike = (url, init) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    if (target.protocol !== "http:" && target.protocol !== "https:") {
      return reject(new TypeError(`unsupported protocol ${target.protocol}`));
    }
    if (init.signal.aborted) return reject(init.signal.reason);
    const send = target.protocol === "https:" ? https.request : http.request;
    const headers: Record<string, string> = { "accept-encoding": "gzip, deflate, br", ...init.headers };
    if (init.body !== undefined) headers["content-length"] = String(Buffer.byteLength(init.body));
    const req = send(target, { method: init.method, headers, agent: agents[target.protocol] });
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

function headerGetter(h: http.IncomingHttpHeaders): HeaderGetter {
  return {
    get(name) {
      const v = h[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    },
  };
}

async function decode(buf: Buffer, encoding: string | undefined): Promise<string> {
  const unzip = (f: (b: Buffer, cb: (e: Error | null, r: Buffer) => void) => void) =>
    new Promise<Buffer>((ok, no) => f(buf, (e, r) => (e ? no(e) : ok(r))));
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case "":
    case "identity":
      return buf.toString("utf8");
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
