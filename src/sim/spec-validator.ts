/**
 * Checks simulator traffic against the vendor's OpenAPI document, in both directions: a request
 * the real API would reject, or a response the real API would never send, is a recorded violation.
 */
import fs from "node:fs";
import path from "node:path";
import AjvModule, { type ValidateFunction } from "ajv";
import formatsModule from "ajv-formats";

// ajv and ajv-formats are CommonJS with `exports.default`: unwrap for NodeNext ESM.
const Ajv = AjvModule.default;
const addFormats = formatsModule.default;

export interface Param {
  name: string;
  in: string;
  required?: boolean;
  schema?: object;
}
export interface Operation {
  parameters?: Param[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: object }> };
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
  security?: Record<string, string[]>[];
}
export type OpenApi = { servers?: { url: string }[]; paths: Record<string, Record<string, Operation>> };

export interface Violation {
  direction: "request" | "response";
  method: string;
  path: string;
  message: string;
}

export interface SpecValidatorOptions {
  /** File name inside specsDir, e.g. digitalocean-openapi.spuff.deref.json. */
  spec: string;
  /** Default: `defaultSpecsDir()`. */
  specsDir?: string;
  /**
   * Query parameters the vendor documents once for a class of operations instead of on each one
   * (Hetzner's pagination and sorting on list endpoints). Checked like declared ones; a parameter
   * the operation declares itself wins.
   */
  conventions?: (template: string, method: string, op: Operation) => Param[];
  /** Applied once to the loaded document: where the vendor's prose is wider than its schema. */
  adjust?: (doc: OpenApi) => void;
}

/** `<repo>/../shared/specs` for the nearest ancestor of `from` with a package.json. */
function specsBeside(from: string): string | undefined {
  let dir = path.resolve(from);
  for (let i = 0; i < 50; i++) {
    if (fs.existsSync(path.join(dir, "package.json"))) return path.resolve(dir, "../shared/specs");
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

/**
 * SPUFF_SPECS_DIR, else beside the repository of the working directory, else beside the one the
 * running script belongs to (so `spuff-sim` started from any folder finds them).
 */
export function defaultSpecsDir(
  from: string = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
  script: string = process.argv[1] ?? "",
): string {
  const candidates = [
    env.SPUFF_SPECS_DIR,
    specsBeside(from),
    script ? specsBeside(path.dirname(script)) : undefined,
  ].filter((c): c is string => !!c);
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0] ?? path.resolve(from, "../shared/specs");
}

export class SpecValidator {
  readonly violations: Violation[] = [];
  private readonly doc: OpenApi;
  private readonly ajv: InstanceType<typeof Ajv>;
  private readonly cache = new Map<object, ValidateFunction>();
  private readonly routes: { re: RegExp; template: string; literal: number }[];
  /** Path part of the spec's server URL (Hetzner: "/v1"); spec paths are relative to it. */
  private readonly basePath: string;
  private readonly conventions: SpecValidatorOptions["conventions"];

  constructor(opts: SpecValidatorOptions) {
    const file = path.join(opts.specsDir ?? defaultSpecsDir(), opts.spec);
    if (!fs.existsSync(file)) {
      throw new Error(`OpenAPI spec not found: ${file} (pass specsDir / --specs-dir, or disable validation)`);
    }
    this.doc = JSON.parse(fs.readFileSync(file, "utf8")) as OpenApi;
    this.conventions = opts.conventions;
    opts.adjust?.(this.doc);
    // OpenAPI numeric formats are annotations, not string formats: accept them.
    this.ajv = new Ajv({
      strict: false,
      allErrors: true,
      logger: false,
      formats: { float: true, double: true, int32: true, int64: true },
    });
    addFormats(this.ajv);
    this.basePath = new URL(this.doc.servers?.[0]?.url ?? "http://x/").pathname.replace(/\/+$/, "");
    this.routes = Object.keys(this.doc.paths).map((template) => ({
      template,
      re: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
      literal: template.replace(/\{[^}]+\}/g, "").length,
    }));
  }

  /** The operation for a concrete path; literal segments win over templates. */
  match(method: string, fullPath: string): { template: string; op: Operation } | undefined {
    if (!fullPath.startsWith(`${this.basePath}/`)) return undefined;
    const pathname = fullPath.slice(this.basePath.length);
    const hits = this.routes.filter((r) => r.re.test(pathname)).sort((a, b) => b.literal - a.literal);
    for (const h of hits) {
      const op = this.doc.paths[h.template]?.[method.toLowerCase()];
      if (op) return { template: h.template, op };
    }
    return undefined;
  }

  /**
   * The OAuth scopes the spec names for an operation (DigitalOcean: `droplet:delete` for
   * DELETE /v2/droplets/{id}); undefined for an operation the spec does not have.
   */
  scopes(method: string, fullPath: string): string[] | undefined {
    const m = this.match(method, fullPath);
    if (!m) return undefined;
    return (m.op.security ?? []).flatMap((req) => Object.values(req).flat());
  }

  /** Returns the violations found (also appended to `violations`). */
  checkRequest(method: string, pathname: string, query: URLSearchParams, body: unknown): Violation[] {
    const found: Violation[] = [];
    const add = (message: string) => found.push({ direction: "request", method, path: pathname, message });
    const m = this.match(method, pathname);
    if (!m) {
      add("no such operation in the spec");
    } else {
      const declared = (m.op.parameters ?? []).filter((p) => p.in === "query");
      const implied = this.conventions?.(m.template, method.toLowerCase(), m.op) ?? [];
      const params = [...declared, ...implied.filter((p) => !declared.some((d) => d.name === p.name))];
      for (const key of new Set(query.keys())) {
        const p = params.find((x) => x.name === key);
        if (!p) add(`unknown query parameter ${key}`);
        else if (p.schema) this.check(p.schema, queryValue(query.getAll(key), p.schema), `query ${key}`, add);
      }
      for (const p of params) if (p.required && !query.has(p.name)) add(`missing query parameter ${p.name}`);
      const schema = m.op.requestBody?.content?.["application/json"]?.schema;
      if (body !== undefined && !schema) add("body sent to an operation that takes none");
      if (body === undefined && m.op.requestBody?.required) add("missing required body");
      if (body !== undefined && schema) this.check(schema, body, "body", add);
    }
    this.violations.push(...found);
    return found;
  }

  checkResponse(method: string, pathname: string, status: number, body: unknown): Violation[] {
    const found: Violation[] = [];
    const add = (message: string) => found.push({ direction: "response", method, path: pathname, message });
    const m = this.match(method, pathname);
    if (m) {
      // OpenAPI status ranges: Hetzner declares only "4xx"/"5xx" for errors.
      const range = `${Math.floor(status / 100)}`;
      const rs = m.op.responses;
      const r = rs[String(status)] ?? rs[`${range}XX`] ?? rs[`${range}xx`] ?? rs.default;
      if (!r) add(`status ${status} is not declared`);
      const schema = r?.content?.["application/json"]?.schema;
      if (schema && body === undefined) add(`status ${status} must have a JSON body`);
      if (!schema && body !== undefined && r) add(`status ${status} must have no body`);
      if (schema && body !== undefined) this.check(schema, body, `${status} body`, add);
    }
    this.violations.push(...found);
    return found;
  }

  private check(schema: object, value: unknown, where: string, add: (m: string) => void): void {
    let v = this.cache.get(schema);
    if (!v) {
      v = this.ajv.compile(schema);
      this.cache.set(schema, v);
    }
    if (!v(value)) {
      const errs = (v.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message}`);
      add(`${where}: ${errs.join("; ")}`);
    }
  }
}

/** A query parameter as its schema sees it: arrays come as repeated keys (OpenAPI form, explode). */
function queryValue(raw: string[], schema: object): unknown {
  const s = schema as { type?: string; items?: object };
  if (s.type === "array") return raw.map((v) => coerce(v, s.items ?? {}));
  return coerce(raw[0] ?? "", schema);
}

function coerce(raw: string, schema: object): unknown {
  const t = (schema as { type?: string }).type;
  if ((t === "integer" || t === "number") && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (t === "boolean" && (raw === "true" || raw === "false")) return raw === "true";
  return raw;
}
