/**
 * Hetzner documents pagination and sorting once, for every list endpoint, rather than on each
 * operation: `GET /actions` declares only `id`, yet the official client pages and sorts it like
 * any list. These are the query parameters those conventions add to a list operation, so the
 * validator accepts what the vendor documents and still flags anything else.
 * Pagination comes from hetzner-cloud-conventions.json (derived from the spec's prose); sorting
 * follows the spec's "Sorting" section: `sort=field`, `field:asc` or `field:desc`, repeatable.
 */
import fs from "node:fs";
import path from "node:path";
import type { OpenApi, Operation, Param } from "../spec-validator.ts";
import { defaultSpecsDir } from "../spec-validator.ts";
import { HETZNER_CONVENTIONS } from "./error-codes.ts";

interface Conventions {
  pagination: { query_parameters: Record<string, string> };
}
type Schema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  minimum?: number;
};

/** The conventions as a validator hook; reads the file once. */
export function hetznerListConventions(specsDir: string = defaultSpecsDir()) {
  const file = path.join(specsDir, HETZNER_CONVENTIONS);
  const conv = JSON.parse(fs.readFileSync(file, "utf8")) as Conventions;
  const paging = pagingParams(conv.pagination.query_parameters);
  return (_template: string, method: string, op: Operation): Param[] => {
    const item = method === "get" ? listItem(op) : undefined;
    if (!item) return [];
    const fields = Object.entries(item.properties ?? {})
      .filter(([, s]) => isScalar(s))
      .map(([name]) => name);
    const sort: Param = {
      name: "sort",
      in: "query",
      schema: {
        type: "array",
        items: { type: "string", enum: fields.flatMap((f) => [f, `${f}:asc`, `${f}:desc`]) },
      },
    };
    return [...paging, sort];
  };
}

/** `page` (from 1) and `per_page` (up to the documented maximum) as integer parameters. */
function pagingParams(described: Record<string, string>): Param[] {
  return Object.entries(described).map(([name, text]) => {
    const max = /max (\d+)/.exec(text)?.[1];
    const schema = { type: "integer", minimum: 1, ...(max ? { maximum: Number(max) } : {}) };
    return { name, in: "query", schema };
  });
}

/** The item schema of a list response: the single array property of its 200 body. */
function listItem(op: Operation): Schema | undefined {
  const body = op.responses["200"]?.content?.["application/json"]?.schema as Schema | undefined;
  const arrays = Object.values(body?.properties ?? {}).filter((s) => s.type === "array");
  return arrays.length === 1 ? arrays[0]?.items : undefined;
}

function isScalar(s: Schema): boolean {
  const types = Array.isArray(s.type) ? s.type : [s.type];
  return types.some((t) => t === "string" || t === "integer" || t === "number");
}

/**
 * Request fields the spec types as `string` but describes as "ID or name of the …" (server
 * create's image, server_type, location) also take the integer ID: the official client resolves
 * a name and sends the number. Only such top-level body fields are widened; an ID must be a
 * positive integer, and every other string field stays a string. Returns the fields widened.
 */
export function widenIdOrName(doc: OpenApi): string[] {
  const widened: string[] = [];
  for (const [template, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const body = op.requestBody?.content?.["application/json"]?.schema as Schema | undefined;
      const props = body?.properties ?? {};
      for (const [name, prop] of Object.entries(props)) {
        if (prop.type !== "string" || !/^ID or name of /.test(prop.description ?? "")) continue;
        const { type: _, ...rest } = prop;
        props[name] = { ...rest, anyOf: [{ type: "string" }, ID] };
        widened.push(`${method.toUpperCase()} ${template} ${name}`);
      }
    }
  }
  return widened;
}

const ID: Schema = { type: "integer", minimum: 1 };
